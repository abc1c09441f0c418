// Command bench runs convergence experiments; see package
// github.com/gossiplab/gossiplab/bench/command.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gossiplab/gossiplab/bench"
	"github.com/gossiplab/gossiplab/bench/command"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := command.NewRoot(command.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, bench.DefaultRegistry).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		if errors.Is(err, context.Canceled) {
			os.Exit(130)
		}
		os.Exit(1)
	}
}
