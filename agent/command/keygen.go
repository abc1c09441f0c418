package command

import (
	"context"
	"fmt"

	"github.com/gossiplab/gossiplab/agent"
)

// NewKeygenCommand is `labagent keygen`: print a new 32-byte key.
func NewKeygenCommand(s Streams, env Env) Command {
	return Command{
		Name:     "keygen",
		Synopsis: "print a new gossip encryption key (base64, 32 bytes)",
		Run: func(ctx context.Context, args []string) error {
			fs := newFlagSet("keygen", "keygen", s)
			if err := parse(fs, args); err != nil {
				return err
			}
			if err := noArgs(fs); err != nil {
				return err
			}
			k, err := agent.GenerateKey()
			if err != nil {
				return err
			}
			fmt.Fprintln(s.Out, k)
			return nil
		},
	}
}
