package command

import (
	"context"
	"fmt"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

// NewLeaveCommand is `labagent leave`: a graceful leave, then the agent
// exits.
func NewLeaveCommand(s Streams, env Env) Command {
	return Command{
		Name:     "leave",
		Synopsis: "make the agent leave the cluster gracefully and exit",
		Run: func(ctx context.Context, args []string) error {
			var r rpcFlags
			fs := newFlagSet("leave", "leave [flags]", s)
			r.register(fs, env)
			if err := parse(fs, args); err != nil {
				return err
			}
			if err := noArgs(fs); err != nil {
				return err
			}
			if err := r.call(ctx, rpc.CmdLeave, nil, nil); err != nil {
				return err
			}
			fmt.Fprintln(s.Out, "Graceful leave complete")
			return nil
		},
	}
}
