package command

import (
	"context"
	"flag"
	"fmt"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/buildinfo"
)

// VersionInfo is `labagent version -format json`: this binary's build and
// protocol version.
type VersionInfo struct {
	buildinfo.Info
	Protocol int `json:"protocol"`
	// Agent is the running agent's (version and protocol only), when
	// -rpc-addr was given.
	Agent *VersionInfo `json:"agent,omitempty"`
}

// NewVersionCommand is `labagent version`: this binary's version (no
// agent needed). The first line is "labagent vX.Y.Z", the second
// "protocol N"; both numbers parse with hashicorp/go-version, and
// provisioning reads the version from the first. The build follows (see
// buildinfo.Info.Text). With -rpc-addr on the command line it also asks
// the agent there for its own, on a last line "agent ADDR: vX.Y.Z,
// protocol N".
func NewVersionCommand(s Streams, env Env) Command {
	return Command{
		Name:     "version",
		Synopsis: "print the labagent version, protocol version and build (and a running agent's, with -rpc-addr)",
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
			v := VersionInfo{Info: buildinfo.Read(), Protocol: agent.ProtocolVersion}
			asked := false
			fs.Visit(func(f *flag.Flag) { asked = asked || f.Name == "rpc-addr" })
			if asked {
				var info rpc.Info
				if err := r.call(ctx, rpc.CmdInfo, nil, &info); err != nil {
					return err
				}
				v.Agent = &VersionInfo{Info: buildinfo.Info{Version: info.Version}, Protocol: info.Protocol}
			}
			if format == "json" {
				return writeJSON(s.Out, v)
			}
			fmt.Fprint(s.Out, v.Text("labagent", fmt.Sprintf("protocol %d", v.Protocol)))
			if v.Agent != nil {
				fmt.Fprintf(s.Out, "agent %s: v%s, protocol %d\n", r.addr, v.Agent.Version, v.Agent.Protocol)
			}
			return nil
		},
	}
}
