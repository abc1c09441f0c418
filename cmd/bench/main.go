// Command bench runs convergence experiments; see package
// github.com/gossiplab/gossiplab/bench/command.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/gossiplab/gossiplab/bench"
	"github.com/gossiplab/gossiplab/bench/command"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/internal/signals"
	"github.com/gossiplab/gossiplab/lab/provider/builtin"
)

func main() {
	// The first Ctrl-C or SIGTERM stops the experiment (what finished is
	// written, marked incomplete); a second one ends bench at once.
	ctx, stop := signals.Context(context.Background())
	var regErr error
	backends := func(log *slog.Logger) *bench.Registry {
		// The lab backend reaches a lab through the providers lab knows.
		providers, err := builtin.Registry(log)
		regErr = err
		r := bench.DefaultRegistry(log)
		r.Add(bench.NewLab(providers, log))
		return r
	}
	root := command.NewRoot(command.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, backends)
	err := regErr
	if err == nil {
		err = root.ExecuteContext(ctx)
	}
	stop()
	if err != nil {
		hint.Print(os.Stderr, "bench", err)
		os.Exit(signals.ExitCode(ctx, 1))
	}
}
