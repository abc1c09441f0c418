package command

import (
	"context"
	"fmt"

	"github.com/gossiplab/gossiplab/agent"
)

// VersionInfo is `labagent version -format json`.
type VersionInfo struct {
	Version  string `json:"version"`
	Protocol int    `json:"protocol"`
}

// NewVersionCommand is `labagent version`: this binary's version (no
// agent needed). The first line is "labagent vX.Y.Z", the second
// "protocol N"; both numbers parse with hashicorp/go-version.
func NewVersionCommand(s Streams, env Env) Command {
	return Command{
		Name:     "version",
		Synopsis: "print the labagent version and protocol version",
		Run: func(ctx context.Context, args []string) error {
			var format string
			fs := newFlagSet("version", "version [-format text|json]", s)
			fs.StringVar(&format, "format", "text", "output format: text or json")
			if err := parse(fs, args); err != nil {
				return err
			}
			if err := noArgs(fs); err != nil {
				return err
			}
			if err := checkFormat(format); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(s.Out, VersionInfo{Version: agent.Version, Protocol: agent.ProtocolVersion})
			}
			fmt.Fprintf(s.Out, "labagent v%s\nprotocol %d\n", agent.Version, agent.ProtocolVersion)
			return nil
		},
	}
}
