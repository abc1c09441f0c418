// Command labagent is the gossip agent of gossiplab and its client
// commands; see package github.com/gossiplab/gossiplab/agent/command.
package main

import (
	"context"
	"os"

	"github.com/gossiplab/gossiplab/agent/command"
)

func main() {
	s := command.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}
	// Main handles SIGINT and SIGTERM itself: a client command ends on
	// the first (status 128+N), the agent leaves gracefully.
	os.Exit(command.Main(context.Background(), os.Args[1:], s, os.Getenv))
}
