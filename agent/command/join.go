package command

import (
	"context"
	"fmt"

	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// NewJoinCommand is `labagent join ADDR...`.
func NewJoinCommand(s Streams, env Env) Command {
	return Command{
		Name:     "join",
		Synopsis: "tell the agent to join a cluster through the given addresses",
		Run: func(ctx context.Context, args []string) error {
			var r rpcFlags
			fs := newFlagSet("join", "join [flags] ADDR...", s)
			r.register(fs, env)
			if err := parse(fs, args); err != nil {
				return err
			}
			if fs.NArg() == 0 {
				return usageError{hint.Errorf("labagent join 192.168.56.11 [192.168.56.12:7946 ...]", "no address given")}
			}
			var res rpc.JoinResult
			if err := r.call(ctx, rpc.CmdJoin, rpc.JoinArgs{Addrs: fs.Args()}, &res); err != nil {
				return err
			}
			fmt.Fprintf(s.Out, "Successfully joined cluster by contacting %d nodes.\n", res.Contacted)
			return nil
		},
	}
}
