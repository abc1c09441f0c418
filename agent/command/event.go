package command

import (
	"context"
	"fmt"

	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// NewEventCommand is `labagent event [-coalesce=false] NAME [PAYLOAD]`.
func NewEventCommand(s Streams, env Env) Command {
	return Command{
		Name:     "event",
		Synopsis: "broadcast a user event to the cluster",
		Run: func(ctx context.Context, args []string) error {
			var r rpcFlags
			var coalesce bool
			fs := newFlagSet("event", "event [-coalesce=false] NAME [PAYLOAD]", s)
			r.register(fs, env)
			fs.BoolVar(&coalesce, "coalesce", true, "let handlers skip this event when a newer one of the same name is queued")
			if err := parse(fs, args); err != nil {
				return err
			}
			if fs.NArg() < 1 || fs.NArg() > 2 {
				return usageError{hint.Errorf("labagent event deploy v1.2", "want NAME and an optional PAYLOAD")}
			}
			ea := rpc.EventArgs{Name: fs.Arg(0), Coalesce: coalesce}
			if fs.NArg() == 2 {
				ea.Payload = []byte(fs.Arg(1))
			}
			if err := r.call(ctx, rpc.CmdEvent, ea, nil); err != nil {
				return err
			}
			fmt.Fprintf(s.Out, "Event '%s' dispatched! Coalescing enabled: %t\n", ea.Name, coalesce)
			return nil
		},
	}
}
