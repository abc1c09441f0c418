package chaos

import (
	"context"
	"io"
	"strconv"
	"strings"
	"sync"
)

// followWatch reads labagent's journals as they grow: after one read of
// each observer's journal so far, a `journal -follow -since SEQ` per
// observer still waited for streams every new entry as the agent records
// it, and ends once the observer has noticed what it should. Waiting on
// 500 observers costs 500 idle processes on their nodes, not 1,000 journal
// reads a second.
type followWatch struct {
	e  *Engine
	st Streamer

	mu      sync.Mutex
	have    map[string][]Entry
	follows map[string]*follow
	wg      sync.WaitGroup
}

// follow is one observer's journal stream.
type follow struct {
	stop context.CancelFunc
	done chan struct{} // closed when the stream ended
}

func newFollowWatch(e *Engine, st Streamer) *followWatch {
	return &followWatch{e: e, st: st, have: map[string][]Entry{}, follows: map[string]*follow{}}
}

// Read returns every entry seen so far of each of nodes that answered,
// and makes sure exactly nodes are followed: a node no longer asked about
// has noticed what it should, and its follow ends.
func (w *followWatch) Read(ctx context.Context, nodes []string) map[string][]Entry {
	w.mu.Lock()
	var first []string
	for _, n := range nodes {
		if _, ok := w.have[n]; !ok {
			first = append(first, n)
		}
	}
	w.mu.Unlock()
	if len(first) > 0 { // the journal so far, once
		for n, j := range w.e.readJournals(ctx, first, nil) {
			w.mu.Lock()
			w.have[n] = j
			w.mu.Unlock()
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	keep := map[string]bool{}
	out := map[string][]Entry{}
	for _, n := range nodes {
		j, ok := w.have[n]
		if !ok {
			continue // unreachable
		}
		keep[n] = true
		out[n] = j
		if f, ok := w.follows[n]; !ok || f.ended() {
			w.start(n, lastSeq(j)) // first, or again after the stream broke
		}
	}
	for n, f := range w.follows {
		if !keep[n] {
			f.stop()
			delete(w.follows, n)
		}
	}
	return out
}

func (f *follow) ended() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// start follows n's journal from the entry after since. Called with mu.
func (w *followWatch) start(n string, since uint64) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &follow{stop: cancel, done: make(chan struct{})}
	w.follows[n] = f
	cmd := w.e.Agent.Cmd("journal", "-follow", "-format", "json", "-since", strconv.FormatUint(since, 10))
	stdin, hold := io.Pipe()
	stop := context.AfterFunc(ctx, func() { hold.Close() })
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer close(f.done)
		defer stop()
		err := w.st.Stream(ctx, n, endWithInput(cmd), stdin, func(line string) {
			entries, err := ParseJournal(strings.NewReader(line))
			if err != nil || len(entries) == 0 {
				return
			}
			w.mu.Lock()
			w.have[n] = append(w.have[n], entries...)
			w.mu.Unlock()
		})
		if err != nil && ctx.Err() == nil {
			w.e.logger().Debug("journal follow ended", "node", n, "err", err)
		}
	}()
}

// Close ends every follow and waits for them.
func (w *followWatch) Close() error {
	w.mu.Lock()
	for n, f := range w.follows {
		f.stop()
		delete(w.follows, n)
	}
	w.mu.Unlock()
	w.wg.Wait()
	return nil
}

// endWithInput runs cmd so that it ends when the session's standard
// input closes (the controller stopped following, or went away): sshd
// does not end a command whose session closed until it writes, and a
// quiet journal writes nothing. The watcher reads the session's input
// through fd 3: a background list's standard input is /dev/null unless
// it is redirected explicitly.
func endWithInput(cmd string) string {
	return `exec 3<&0
` + cmd + ` </dev/null 3<&- & pid=$!
{ cat <&3 >/dev/null; kill "$pid"; } >/dev/null 2>&1 &
exec 3<&-
wait "$pid"`
}

func lastSeq(j []Entry) uint64 {
	if len(j) == 0 {
		return 0
	}
	return j[len(j)-1].Seq
}
