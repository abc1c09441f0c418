// Command bench runs convergence experiments; see package
// github.com/gossiplab/gossiplab/bench/command.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/gossiplab/gossiplab/bench"
	"github.com/gossiplab/gossiplab/bench/command"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab/provider/builtin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
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
		if errors.Is(err, context.Canceled) {
			os.Exit(130)
		}
		os.Exit(1)
	}
}
