package command

import (
	"context"

	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// NewForceLeaveCommand is `labagent force-leave NODE`.
func NewForceLeaveCommand(s Streams, env Env) Command {
	return Command{
		Name:     "force-leave",
		Synopsis: "move a failed member to left cluster-wide",
		Run: func(ctx context.Context, args []string) error {
			var r rpcFlags
			fs := newFlagSet("force-leave", "force-leave [flags] NODE", s)
			r.register(fs, env)
			if err := parse(fs, args); err != nil {
				return err
			}
			if fs.NArg() != 1 {
				return usageError{hint.Errorf("labagent force-leave NODE", "want exactly one node name")}
			}
			return r.call(ctx, rpc.CmdForceLeave, rpc.ForceLeaveArgs{Node: fs.Arg(0)}, nil)
		},
	}
}
