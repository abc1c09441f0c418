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
)

// progress shows nodes passing the phases of a command: a bar per phase
// on a terminal, one plain line per event otherwise. Output goes to the
// error stream, so that stdout stays the command's result.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	total  int
	counts map[lab.Phase]int
	bars   map[lab.Phase]*mpb.Bar
	p      *mpb.Progress
}

// upPhases are the phases lab up shows, in order.
var upPhases = []lab.Phase{lab.PhaseBooted, lab.PhaseSSHReachable}

func newProgress(ctx context.Context, env *Env, total int, phases []lab.Phase) *progress {
	pr := &progress{w: env.Streams.Err, total: total, counts: map[lab.Phase]int{}}
	if !isTerminal(env.Streams.Err) || !hasSize(env.Streams.Err) {
		return pr
	}
	pr.p = mpb.NewWithContext(ctx, mpb.WithOutput(env.Streams.Err), mpb.WithWidth(40))
	pr.bars = map[lab.Phase]*mpb.Bar{}
	for _, ph := range phases {
		pr.bars[ph] = pr.p.AddBar(int64(total),
			mpb.PrependDecorators(decor.Name(string(ph), decor.WC{W: 16, C: decor.DindentRight}), decor.CountersNoUnit("%d/%d", decor.WC{W: 9})),
			mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_GO, decor.WC{W: 6})),
		)
	}
	return pr
}

// step records that node passed phase; safe from many goroutines.
func (pr *progress) step(node string, phase lab.Phase) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.counts[phase]++
	if bar := pr.bars[phase]; bar != nil {
		bar.Increment()
		return
	}
	fmt.Fprintf(pr.w, "%s: %s (%d/%d)\n", node, phase, pr.counts[phase], pr.total)
}

// finish stops the bars, leaving unfinished ones as they are.
func (pr *progress) finish() {
	if pr.p == nil {
		return
	}
	for _, bar := range pr.bars {
		if !bar.Completed() {
			bar.Abort(false)
		}
	}
	pr.p.Wait()
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
