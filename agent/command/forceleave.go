package command

import (
	"context"
	"errors"

	"github.com/gossiplab/gossiplab/agent/rpc"
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
				return usageError{errors.New("want exactly one node name\nhint: labagent force-leave NODE")}
			}
			return r.call(ctx, rpc.CmdForceLeave, rpc.ForceLeaveArgs{Node: fs.Arg(0)}, nil)
		},
	}
}
