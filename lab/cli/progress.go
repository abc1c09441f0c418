package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/core"
)

// progress renders core's progress: a bar per phase on a terminal, one
// plain line per event otherwise. Output goes to the error stream, so
// that stdout stays the command's result.
type progress struct {
	ctx context.Context
	w   io.Writer
	bar bool // draw bars: the stream is a terminal that knows its size

	mu     sync.Mutex
	total  int
	counts map[lab.Phase]int
	bars   map[lab.Phase]*mpb.Bar
	p      *mpb.Progress
}

var _ core.Progress = (*progress)(nil)

func newProgress(ctx context.Context, env *Env) *progress {
	return &progress{ctx: ctx, w: env.Streams.Err, bar: isTerminal(env.Streams.Err) && hasSize(env.Streams.Err)}
}

// Start begins a use case's phases over total nodes.
func (pr *progress) Start(total int, phases []lab.Phase) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.total, pr.counts, pr.bars, pr.p = total, map[lab.Phase]int{}, nil, nil
	if !pr.bar {
		return
	}
	pr.p = mpb.NewWithContext(pr.ctx, mpb.WithOutput(pr.w), mpb.WithWidth(40))
	pr.bars = map[lab.Phase]*mpb.Bar{}
	for _, ph := range phases {
		pr.bars[ph] = pr.p.AddBar(int64(total),
			mpb.PrependDecorators(decor.Name(string(ph), decor.WC{W: 16, C: decor.DindentRight}), decor.CountersNoUnit("%d/%d", decor.WC{W: 9})),
			mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_GO, decor.WC{W: 6})),
		)
	}
}

// Step records that node passed phase; safe from many goroutines.
func (pr *progress) Step(node string, phase lab.Phase) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.counts[phase]++
	if bar := pr.bars[phase]; bar != nil {
		bar.Increment()
		return
	}
	fmt.Fprintf(pr.w, "%s: %s (%d/%d)\n", node, phase, pr.counts[phase], pr.total)
}

// Finish stops the bars, leaving unfinished ones as they are.
func (pr *progress) Finish() {
	pr.mu.Lock()
	p, bars := pr.p, pr.bars
	pr.p, pr.bars = nil, nil
	pr.mu.Unlock()
	if p == nil {
		return
	}
	for _, bar := range bars {
		if !bar.Completed() {
			bar.Abort(false)
		}
	}
	p.Wait()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// hasSize reports whether a terminal knows its size: bars are drawn to
// fit it, and one without rows (some pseudo-terminals) would hide them.
func hasSize(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	cols, rows, err := term.GetSize(int(f.Fd()))
	return err == nil && cols > 0 && rows > 0
}
