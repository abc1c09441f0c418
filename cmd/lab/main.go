// Command lab builds, boots and breaks gossip-cluster labs. See package
// github.com/gossiplab/gossiplab/lab/cli for the commands.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/cli"
)

var version = "0.1.0-dev" // set with -ldflags "-X main.version=..."

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	providers := lab.NewRegistry()
	env := &cli.Env{
		Logger:    logger,
		Streams:   cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr},
		Providers: providers,
		Version:   version,
	}
	code := cli.Run(ctx, env, os.Args[1:])
	stop()
	os.Exit(code)
}
