package command

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/gossiplab/gossiplab/bench"
)

// progress shows runs as they finish: a bar on a terminal, plain lines
// otherwise. Both go to stderr.
type progress interface {
	bench.Observer
	// Close stops drawing; the logs go back to stderr.
	Close()
}

var (
	_ progress = (*barProgress)(nil)
	_ progress = (*lineProgress)(nil)
)

type barProgress struct {
	p       *mpb.Progress
	bar     *mpb.Bar
	mu      sync.Mutex
	current string
	restore func()
}

func newProgress(w io.Writer, sink *logSink, total int) progress {
	if !isTerminal(w) {
		return &lineProgress{w: w, total: total, start: time.Now()}
	}
	bp := &barProgress{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))}
	bp.bar = bp.p.AddBar(int64(total),
		mpb.PrependDecorators(decor.CountersNoUnit("runs %d/%d"), decor.Any(func(decor.Statistics) string {
			bp.mu.Lock()
			defer bp.mu.Unlock()
			return " " + bp.current
		})),
		mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_GO), decor.Percentage(decor.WCSyncSpace)))
	bp.restore = sink.redirect(bp.p)
	return bp
}

func (b *barProgress) RunDone(k bench.Key, run, runs int) {
	b.mu.Lock()
	b.current = k.String()
	b.mu.Unlock()
	b.bar.Increment()
}

func (b *barProgress) Close() {
	b.restore()
	b.bar.Abort(false)
	b.p.Wait()
}

type lineProgress struct {
	w     io.Writer
	mu    sync.Mutex
	done  int
	total int
	start time.Time
}

func (l *lineProgress) RunDone(k bench.Key, run, runs int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done++
	fmt.Fprintf(l.w, "bench: %d/%d runs, %s run %d/%d done, %s elapsed\n", l.done, l.total, k, run+1, runs, time.Since(l.start).Round(100*time.Millisecond))
}

func (l *lineProgress) Close() {}
