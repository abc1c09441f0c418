// Command lab builds, boots and breaks gossip-cluster labs. See package
// github.com/gossiplab/gossiplab/lab/cli for the commands.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/gossiplab/gossiplab/agent/command"
	"github.com/gossiplab/gossiplab/internal/buildinfo"
	"github.com/gossiplab/gossiplab/internal/signals"
	"github.com/gossiplab/gossiplab/lab/cli"
	"github.com/gossiplab/gossiplab/lab/core"
	"github.com/gossiplab/gossiplab/lab/provider/builtin"
	"github.com/gossiplab/gossiplab/lab/provider/netns"
)

func main() {
	if netns.IsHelper(os.Args) { // a node's holder or a lab's SSH forwarder
		os.Exit(netns.RunHelper(os.Args))
	}
	// lab is also the agent: provisioning installs this very binary on
	// nodes of this platform as /usr/local/bin/labagent, and started
	// under that name it is labagent, with labagent's own command line.
	if core.IsAgent(os.Args[0], os.Getenv) {
		s := command.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}
		os.Exit(command.Main(context.Background(), os.Args[1:], s, os.Getenv))
	}
	// The first Ctrl-C or SIGTERM asks the command to stop and clean up;
	// a second one ends lab at once.
	ctx, stop := signals.Context(context.Background())
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	providers, err := builtin.Registry(logger)
	if err != nil {
		fmt.Fprintf(os.Stderr, "lab: %v\n", err)
		os.Exit(1)
	}
	env := &cli.Env{
		Logger:    logger,
		Streams:   cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr},
		Providers: providers,
		Version:   buildinfo.Read().Version,
	}
	if exe, err := os.Executable(); err == nil {
		env.SelfAgent = exe
	}
	code := cli.Run(ctx, env, os.Args[1:])
	stop()
	os.Exit(signals.ExitCode(ctx, code))
}
