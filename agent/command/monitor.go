package command

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

// NewMonitorCommand is `labagent monitor [-log-level L]`: stream the
// agent's log until Ctrl-C.
func NewMonitorCommand(s Streams, env Env) Command {
	return Command{
		Name:     "monitor",
		Synopsis: "stream the agent's log",
		Run: func(ctx context.Context, args []string) error {
			var r rpcFlags
			var level string
			fs := newFlagSet("monitor", "monitor [-log-level L]", s)
			r.register(fs, env)
			fs.StringVar(&level, "log-level", "info", "debug, info, warn or error")
			if err := parse(fs, args); err != nil {
				return err
			}
			if err := noArgs(fs); err != nil {
				return err
			}
			c, err := r.dial(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			return c.Stream(ctx, rpc.CmdMonitor, rpc.MonitorArgs{LogLevel: level}, func(raw json.RawMessage) error {
				var it rpc.MonitorItem
				if err := json.Unmarshal(raw, &it); err != nil {
					return err
				}
				_, err := fmt.Fprintln(s.Out, it.Line)
				return err
			})
		},
	}
}
