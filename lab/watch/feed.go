package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// Runner runs commands on the lab's nodes (over SSH in a lab).
type Runner interface {
	// Run runs cmd, a POSIX shell command line, on node and returns its
	// standard output; an error when it cannot run or exits non-zero.
	Run(ctx context.Context, node, cmd string) ([]byte, error)
	// Stream runs cmd on node and hands each line of its standard output
	// (without the newline) to each as it arrives, until the command
	// exits or ctx ends. The command's standard input must stay open
	// until ctx ends and then be closed: the feed's follow commands end
	// themselves on the node when it closes (as an SSH session's does
	// when the client goes away).
	Stream(ctx context.Context, node, cmd string, each func(line []byte)) error
}

// Config is what a feed watches and how.
type Config struct {
	Runner Runner
	Agent  Agent
	// Observers are the rows: the nodes whose agents are asked.
	Observers []string
	// Nodes are the lab's nodes, the first columns in this order;
	// members the observers list beyond them are appended.
	Nodes []string
	// Interval bounds the screen's refresh and paces resyncs (default
	// 1 s): a suspicion is checked (the observer lists that member) at
	// the first tick after SuspectHold; a whole row is audited after
	// about 60 intervals, then at doubling spans up to about 300.
	Interval time.Duration
	// SuspectHold is how long a suspect cell stays suspect while member
	// lists show the member alive (memberlist tells no one when a
	// suspected member refutes it). Default 8 s: the LAN profile's
	// suspicion timeout at 52 nodes is about 7 s.
	SuspectHold time.Duration
	// Timeout bounds one snapshot command (default 10 s).
	Timeout time.Duration
	// FaultFile is the file lab chaos writes its last fault to ("" for
	// none); see Fault.
	FaultFile string
	Logger    *slog.Logger
}

func (c *Config) defaults() error {
	if c.Runner == nil || c.Agent == nil {
		return errors.New("watch: a runner and an agent are needed")
	}
	if len(c.Observers) == 0 {
		return hint.Wrap(errors.New("no observers to watch"), "name nodes, or leave them out to watch every node")
	}
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	if c.SuspectHold <= 0 {
		c.SuspectHold = 8 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Feed keeps a Matrix up to date: per observer, one member list, then
// one long-running follow of its changes, with member lists again only
// to settle suspicions, to audit now and then, and after the follow
// ends.
type Feed struct {
	cfg Config
	m   *Matrix
	rx  [numTraffic]atomic.Int64 // bytes received from the nodes, by kind
	sem chan struct{}
	// firstRound is closed once every observer was asked for its list:
	// follows that resume from a cursor wait for it (at most
	// firstRoundWait), so that the first full matrix comes first.
	firstRound chan struct{}
	closeFirst sync.Once
}

const firstRoundWait = 2 * time.Second

// maxConcurrentRuns bounds the snapshot commands in flight.
const maxConcurrentRuns = 64

// NewFeed checks cfg and makes the feed's matrix.
func NewFeed(cfg Config) (*Feed, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	f := &Feed{cfg: cfg, m: NewMatrix(cfg.Observers, cfg.Nodes, cfg.SuspectHold), sem: make(chan struct{}, maxConcurrentRuns), firstRound: make(chan struct{})}
	return f, nil
}

// Matrix is what the feed fills.
func (f *Feed) Matrix() *Matrix { return f.m }

// Received is how many bytes the nodes sent so far (outputs and lines).
func (f *Feed) Received() int64 {
	t := f.Traffic()
	return t.Lists + t.Checks + t.Follows
}

// Traffic is what the nodes sent, in bytes, by kind.
type Traffic struct {
	Lists   int64 // whole member lists: first snapshots, audits
	Checks  int64 // lists of suspected members
	Follows int64 // the follows' lines
}

const (
	trafficLists = iota
	trafficChecks
	trafficFollows
	numTraffic
)

// Traffic is what the nodes sent so far, by kind.
func (f *Feed) Traffic() Traffic {
	return Traffic{Lists: f.rx[trafficLists].Load(), Checks: f.rx[trafficChecks].Load(), Follows: f.rx[trafficFollows].Load()}
}

// Interval is the configured interval.
func (f *Feed) Interval() time.Duration { return f.cfg.Interval }

// Run follows every observer until ctx ends.
func (f *Feed) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for r := range f.cfg.Observers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.observe(ctx, r)
		}()
	}
	wg.Wait()
}

// Once asks every observer for its member list, once.
func (f *Feed) Once(ctx context.Context) {
	var wg sync.WaitGroup
	for r := range f.cfg.Observers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = f.resync(ctx, r)
		}()
	}
	wg.Wait()
}

// observe runs sessions with observer r until ctx ends, waiting longer
// after each that ended soon.
func (f *Feed) observe(ctx context.Context, r int) {
	const first, most = 250 * time.Millisecond, 10 * time.Second
	wait := first
	for ctx.Err() == nil {
		start := time.Now()
		err := f.session(ctx, r)
		if ctx.Err() != nil {
			return
		}
		f.cfg.Logger.Debug("watch session ended", "node", f.cfg.Observers[r], "err", err)
		if time.Since(start) > most {
			wait = first
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, most)
	}
}

// session takes observer r's member list and follows its changes until
// the follow ends or a member list cannot be had.
func (f *Feed) session(ctx context.Context, r int) error {
	var cursor uint64
	if f.cfg.Agent.Cursored() {
		snap, err := f.resync(ctx, r)
		if err != nil {
			return err
		}
		cursor = snap.Cursor
		select {
		case <-f.firstRound:
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(firstRoundWait):
		}
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- f.follow(sctx, r, cursor, ready) }()
	if !f.cfg.Agent.Cursored() {
		select {
		case err := <-done:
			// The follow could not start: the list says whether the
			// agent answers at all.
			if _, lerr := f.resync(ctx, r); lerr != nil {
				return lerr
			}
			return err
		case <-ready:
		case <-time.After(2 * time.Second):
		}
		if _, err := f.resync(ctx, r); err != nil {
			cancel()
			<-done
			return err
		}
	}
	return f.keep(ctx, r, cancel, done)
}

// keep resyncs row r while its follow runs: suspicions past the hold at
// each interval (the suspected members only), the whole row at doubling
// spans.
func (f *Feed) keep(ctx context.Context, r int, cancel context.CancelFunc, done <-chan error) error {
	tick := time.NewTicker(f.cfg.Interval)
	defer tick.Stop()
	span := 60 * f.cfg.Interval
	audit := time.Now().Add(jitter(span))
	for {
		var err error
		select {
		case err := <-done:
			return err
		case now := <-tick.C:
			switch due := f.m.SuspectsDue(r, now); {
			case now.After(audit):
				_, err = f.resync(ctx, r)
				span = min(2*span, 300*f.cfg.Interval)
				audit = now.Add(jitter(span))
			case len(due) > 0:
				err = f.check(ctx, r, due)
			}
		}
		if err != nil {
			cancel()
			<-done
			return err
		}
	}
}

// jitter spreads d over 0.5d to 1.5d, so that the rows' audits do not
// come all at once.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d)
}

// resync asks observer r for its member list and puts it in the matrix
// (or records that it gives no answer).
func (f *Feed) resync(ctx context.Context, r int) (Snapshot, error) {
	var snap Snapshot
	err := f.ask(ctx, r, trafficLists, f.cfg.Agent.SnapshotCmd(), func(out []byte, mark uint64) error {
		var err error
		if snap, err = f.cfg.Agent.ParseSnapshot(out); err == nil {
			f.m.SetSnapshot(r, snap.Members, mark, time.Now())
		}
		return err
	})
	return snap, err
}

// check asks observer r for the named members only.
func (f *Feed) check(ctx context.Context, r int, names []string) error {
	return f.ask(ctx, r, trafficChecks, f.cfg.Agent.CheckCmd(names), func(out []byte, mark uint64) error {
		ls, err := f.cfg.Agent.ParseCheck(out)
		if err == nil {
			f.m.SetChecked(r, names, ls, mark, time.Now())
		}
		return err
	})
}

// ask runs cmd on observer r and hands its output to use, with the mark
// taken before it ran; an error makes the row one without an answer.
func (f *Feed) ask(ctx context.Context, r, kind int, cmd string, use func(out []byte, mark uint64) error) error {
	select {
	case f.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-f.sem }()
	mark := f.m.Mark(r)
	cctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	out, err := f.cfg.Runner.Run(cctx, f.cfg.Observers[r], cmd)
	f.rx[kind].Add(int64(len(out)))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	defer f.asked()
	if err == nil {
		err = use(out, mark)
	}
	if err != nil {
		err = fmt.Errorf("%s members of %s: %w", f.cfg.Agent.Name(), f.cfg.Observers[r], err)
		f.m.SetNoAnswer(r, err, time.Now())
	}
	return err
}

// asked ends the first round once every observer was asked.
func (f *Feed) asked() {
	if f.m.Tried() {
		f.closeFirst.Do(func() { close(f.firstRound) })
	}
}

// The marks followScript prints around the follow command.
const (
	markStart = "gossiplab-watch start "
	markExit  = "gossiplab-watch exit "
)

// followScript runs cmd until it exits or the session's standard input
// closes: a watcher that goes away ends the command on the node too. It
// first prints the node's time, in the form of Serf's log lines.
func followScript(cmd string) string {
	return "exec 3<&0\n" +
		`echo "` + markStart + `$(date '+%Y/%m/%d %H:%M:%S')"` + "\n" +
		cmd + " </dev/null 2>&1 & pid=$!\n" +
		`{ cat <&3 >/dev/null; kill "$pid" 2>/dev/null; } >/dev/null 2>&1 &` + "\n" +
		`wait "$pid"; echo "` + markExit + `$?"` + "\n"
}

// follow streams observer r's changes into the matrix until the follow
// ends; ready is closed at its first line of the agent's.
func (f *Feed) follow(ctx context.Context, r int, cursor uint64, ready chan<- struct{}) error {
	p := f.cfg.Agent.NewParser()
	var once sync.Once
	var last, exit string
	err := f.cfg.Runner.Stream(ctx, f.cfg.Observers[r], followScript(f.cfg.Agent.FollowCmd(cursor)), func(line []byte) {
		f.rx[trafficFollows].Add(int64(len(line)) + 1)
		s := string(line)
		switch {
		case strings.HasPrefix(s, markStart):
			p.Started(strings.TrimPrefix(s, markStart))
			return
		case strings.HasPrefix(s, markExit):
			exit = strings.TrimPrefix(s, markExit)
			return
		}
		once.Do(func() { close(ready) })
		if e, ok := p.Line(line); ok {
			f.m.Apply(r, e, time.Now())
		} else if s = strings.TrimSpace(s); s != "" {
			last = s
		}
	})
	if err == nil && ctx.Err() == nil {
		err = fmt.Errorf("%s ended (exit status %s)", f.cfg.Agent.Name(), exit)
		if last != "" {
			err = fmt.Errorf("%w: %s", err, last)
		}
	}
	return err
}
