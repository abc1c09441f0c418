package command

import (
	"context"
	"flag"
	"fmt"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/rpc"
)

// VersionInfo is `labagent version -format json`.
type VersionInfo struct {
	Version  string `json:"version"`
	Protocol int    `json:"protocol"`
	// Agent is the running agent's, when -rpc-addr was given.
	Agent *VersionInfo `json:"agent,omitempty"`
}

// NewVersionCommand is `labagent version`: this binary's version (no
// agent needed). The first line is "labagent vX.Y.Z", the second
// "protocol N"; both numbers parse with hashicorp/go-version. With
// -rpc-addr on the command line it also asks the agent there for its
// own, on a third line "agent ADDR: vX.Y.Z, protocol N".
func NewVersionCommand(s Streams, env Env) Command {
	return Command{
		Name:     "version",
		Synopsis: "print the labagent version and protocol version (and a running agent's, with -rpc-addr)",
		Run: func(ctx context.Context, args []string) error {
			var format string
			var r rpcFlags
			fs := newFlagSet("version", "version [-format text|json] [-rpc-addr ADDR]", s)
			fs.StringVar(&format, "format", "text", "output format: text or json")
			r.register(fs, env)
			if err := parse(fs, args); err != nil {
				return err
			}
			if err := noArgs(fs); err != nil {
				return err
			}
			if err := checkFormat(format); err != nil {
				return err
			}
			v := VersionInfo{Version: agent.Version, Protocol: agent.ProtocolVersion}
			asked := false
			fs.Visit(func(f *flag.Flag) { asked = asked || f.Name == "rpc-addr" })
			if asked {
				var info rpc.Info
				if err := r.call(ctx, rpc.CmdInfo, nil, &info); err != nil {
					return err
				}
				v.Agent = &VersionInfo{Version: info.Version, Protocol: info.Protocol}
			}
			if format == "json" {
				return writeJSON(s.Out, v)
			}
			fmt.Fprintf(s.Out, "labagent v%s\nprotocol %d\n", v.Version, v.Protocol)
			if v.Agent != nil {
				fmt.Fprintf(s.Out, "agent %s: v%s, protocol %d\n", r.addr, v.Agent.Version, v.Agent.Protocol)
			}
			return nil
		},
	}
}
