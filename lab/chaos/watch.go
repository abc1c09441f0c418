package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gossiplab/gossiplab/lab"
)

// Streamer runs a long-lived command on a node as root and hands over
// each line of its output as it arrives; closing stdin asks the command
// to end. SSHShell has it; a Serf lab needs it (Serf keeps no journal,
// chaos follows its log stream instead).
type Streamer interface {
	Stream(ctx context.Context, node, cmd string, stdin io.Reader, line func(string)) error
}

// watcher is how the engine learns what the observers noticed: labagent's
// journals read by polling, or Serf's log streams.
type watcher interface {
	// Read returns every entry seen so far of each of nodes that answers;
	// a node absent from the result is unreachable.
	Read(ctx context.Context, nodes []string) map[string][]Entry
	// Close ends what the watcher started on the nodes.
	Close() error
}

// journalWatch polls labagent's journals (`labagent journal -format json`).
type journalWatch struct {
	e    *Engine
	have map[string][]Entry
}

func (w *journalWatch) Read(ctx context.Context, nodes []string) map[string][]Entry {
	fresh := w.e.readJournals(ctx, nodes, w.have)
	for n, j := range fresh {
		w.have[n] = j
	}
	return fresh
}

func (w *journalWatch) Close() error { return nil }

// startWatch starts reading what observers notice: labagent's journals,
// with each node's clock offset unless the provider shares the host's
// clock, or, on Serf, its monitor streams, stamped on arrival (no
// offsets).
func (e *Engine) startWatch(ctx context.Context, observers []string, sharedClock bool, nonce string) (watcher, map[string]ClockOffset, error) {
	if e.Agent.Flavour.Journal() {
		clocks, err := e.clocks(ctx, observers, sharedClock)
		if err != nil {
			return nil, nil, err
		}
		if st, ok := e.Shell.(Streamer); ok && e.FollowJournals {
			return newFollowWatch(e, st), clocks, nil
		}
		return &journalWatch{e: e, have: map[string][]Entry{}}, clocks, nil
	}
	mw, err := e.startMonitors(ctx, observers, nonce)
	if err != nil {
		if mw != nil {
			err = errors.Join(err, mw.Close())
		}
		return nil, nil, err
	}
	return mw, map[string]ClockOffset{}, nil
}

// Marks the monitor's wrapper script prints around `serf monitor`.
const (
	monitorPIDMark  = "gossiplab-monitor pid "
	monitorExitMark = "gossiplab-monitor exit "
)

// monitorScript runs `serf monitor` until the controller closes the
// session's standard input (or the session ends): a crashed controller
// or a dropped connection ends the remote monitor too. It first prints
// the monitor's pid and the node's time before it started, in the format
// of Serf's log lines (MonitorParser.Since).
func (a AgentCLI) monitorScript() string {
	return fmt.Sprintf(`exec 3<&0
since=$(date '+%%Y/%%m/%%d %%H:%%M:%%S')
%s </dev/null 2>&1 & pid=$!
echo "%s$pid since $since"
{ cat <&3 >/dev/null; kill "$pid" 2>/dev/null; } >/dev/null 2>&1 &
wait "$pid"; echo "%s$?"
`, a.Cmd("monitor", "-log-level=info"), monitorPIDMark, monitorExitMark)
}

// Timings of the monitors: how long a node has to start its monitor and
// replay its backlog, and how long its stream must stay quiet for the
// backlog to count as delivered.
const (
	monitorStartTimeout = 10 * time.Second
	monitorQuiet        = 300 * time.Millisecond
	monitorStopTimeout  = 5 * time.Second
)

// monitorWatch follows `serf monitor` on every observer and stamps each
// line with the controller's clock when it arrives.
type monitorWatch struct {
	e      *Engine
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	nodes map[string]*monitorStream
}

// monitorStream is one node's monitor.
type monitorStream struct {
	stdin   *io.PipeWriter
	parser  MonitorParser
	pid     string
	first   bool      // a line from serf monitor arrived: it is registered
	last    time.Time // when the last line arrived
	exited  bool      // the wrapper said serf monitor ended
	done    bool      // the ssh session ended
	err     error
	live    bool
	entries []Entry
}

// startMonitors starts `serf monitor` on nodes and returns once each is
// live (registered with its agent, and its backlog of old lines
// delivered: the stream went quiet) or has failed; those that failed are
// unreachable. nonce picks the user events of this step.
func (e *Engine) startMonitors(ctx context.Context, nodes []string, nonce string) (*monitorWatch, error) {
	st, ok := e.Shell.(Streamer)
	if !ok {
		return nil, errors.New("this shell cannot stream a node's output, which a Serf lab's measurement needs")
	}
	// The streams outlive a cancelled ctx until Close has asked them to end.
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w := &monitorWatch{e: e, cancel: cancel, nodes: map[string]*monitorStream{}}
	script := e.Agent.monitorScript()
	for _, n := range nodes {
		r, pw := io.Pipe()
		m := &monitorStream{stdin: pw, parser: MonitorParser{Nonce: nonce}}
		w.nodes[n] = m
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			err := st.Stream(sctx, n, script, r, func(line string) { w.line(m, line) })
			_ = r.Close()
			w.mu.Lock()
			m.done, m.err = true, err
			w.mu.Unlock()
		}()
	}
	if err := w.waitLive(ctx); err != nil {
		return w, err
	}
	var dead []string
	w.mu.Lock()
	for _, n := range nodes {
		if m := w.nodes[n]; !m.live {
			dead = append(dead, n)
			e.logger().Warn("serf monitor did not start: the node counts as unreachable", "node", n, "err", m.err)
		}
	}
	w.mu.Unlock()
	if len(dead) > 0 {
		e.logger().Info("serf monitors", "live", len(nodes)-len(dead), "unreachable", lab.Summarize(dead))
	}
	return w, nil
}

// waitLive waits until every monitor is live or has ended, at most
// monitorStartTimeout; it returns ctx's error when ctx ends first. A
// monitor is live once its stream went quiet after its first line.
func (w *monitorWatch) waitLive(ctx context.Context) error {
	// Real time, not e.now: this waits on processes, it measures nothing.
	deadline := time.Now().Add(monitorStartTimeout)
	for {
		w.mu.Lock()
		pending := 0
		for _, m := range w.nodes {
			if m.live || m.done || m.exited {
				continue
			}
			if m.first && time.Since(m.last) >= monitorQuiet {
				m.live = true
				continue
			}
			pending++
		}
		w.mu.Unlock()
		if pending == 0 || !time.Now().Before(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// line takes one line of a node's monitor, stamped now.
func (w *monitorWatch) line(m *monitorStream, line string) {
	at := w.e.now()
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case strings.HasPrefix(line, monitorPIDMark):
		pid, since, _ := strings.Cut(strings.TrimPrefix(line, monitorPIDMark), " since ")
		m.pid, m.parser.Since = strings.TrimSpace(pid), strings.TrimSpace(since)
		return
	case strings.HasPrefix(line, monitorExitMark):
		m.exited = true
		return
	}
	m.first, m.last = true, time.Now()
	if en, ok := m.parser.Line(line); ok {
		en.At, en.UnixNano = at, at.UnixNano()
		en.Seq = uint64(len(m.entries) + 1)
		m.entries = append(m.entries, en)
	}
}

func (w *monitorWatch) Read(_ context.Context, nodes []string) map[string][]Entry {
	out := map[string][]Entry{}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, n := range nodes {
		if m, ok := w.nodes[n]; ok && m.live {
			out[n] = append([]Entry{}, m.entries...)
		}
	}
	return out
}

// Close asks every monitor to end (its session's stdin closes), waits for
// the sessions, ends those that do not, and makes sure no `serf monitor`
// is left on a node whose wrapper did not report it ended.
func (w *monitorWatch) Close() error {
	w.mu.Lock()
	for _, m := range w.nodes {
		_ = m.stdin.Close()
	}
	w.mu.Unlock()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(monitorStopTimeout):
		w.cancel()
		<-done
	}
	w.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), monitorStopTimeout)
	defer cancel()
	var errs []error
	w.mu.Lock()
	left := map[string]string{}
	for n, m := range w.nodes {
		if !m.exited && m.pid != "" {
			left[n] = m.pid
		}
	}
	w.mu.Unlock()
	for n, pid := range left {
		// Only a process that still runs serf monitor is ended: the pid
		// may have been reused.
		cmd := fmt.Sprintf(`if tr '\0' ' ' </proc/%[1]s/cmdline 2>/dev/null | grep -q ' monitor '; then kill %[1]s; fi`, pid)
		if _, err := w.e.Shell.Run(ctx, n, cmd, nil); err != nil {
			errs = append(errs, fmt.Errorf("end serf monitor (pid %s) on %s: %w", pid, n, err))
		}
	}
	return errors.Join(errs...)
}
