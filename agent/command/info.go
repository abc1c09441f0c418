package command

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

// NewInfoCommand is `labagent info [-format text|json]`.
func NewInfoCommand(s Streams, env Env) Command {
	return Command{
		Name:     "info",
		Synopsis: "show the agent's state: address, members, faults, problems found",
		Run: func(ctx context.Context, args []string) error {
			var r rpcFlags
			var format string
			fs := newFlagSet("info", "info [-format text|json]", s)
			r.register(fs, env)
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
			var info rpc.Info
			if err := r.call(ctx, rpc.CmdInfo, nil, &info); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(s.Out, info)
			}
			writeInfo(s.Out, info)
			return nil
		},
	}
}

func writeInfo(w io.Writer, i rpc.Info) {
	var counts []string
	for _, st := range []string{"alive", "leaving", "left", "failed"} {
		counts = append(counts, fmt.Sprintf("%s=%d", st, i.Members[st]))
	}
	var keys []string
	for k := range i.Members {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "node: %s\n", i.Node)
	fmt.Fprintf(w, "addr: %s\n", i.Addr)
	fmt.Fprintf(w, "version: %s (protocol %d)\n", i.Version, i.Protocol)
	fmt.Fprintf(w, "profile: %s\n", i.Profile)
	fmt.Fprintf(w, "encrypted: %t\n", i.Encrypted)
	fmt.Fprintf(w, "tags: %s\n", formatTags(i.Tags))
	fmt.Fprintf(w, "members: %s\n", strings.Join(counts, " "))
	fmt.Fprintf(w, "fault: %s\n", i.FaultText)
	fmt.Fprintf(w, "journal: seq %d..%d (holds %d)\n", i.JournalFirstSeq, i.JournalLastSeq, i.JournalSize)
	fmt.Fprintf(w, "event clock: %d\n", i.EventClock)
	health := "0 (healthy)"
	if i.HealthScore > 0 {
		health = fmt.Sprintf("%d (slow to answer probes: probes and timeouts stretched %dx)", i.HealthScore, i.HealthScore+1)
	}
	fmt.Fprintf(w, "health score: %s\n", health)
	fmt.Fprintf(w, "uptime: %s\n", i.Uptime.Round(time.Second))
	fmt.Fprintf(w, "rpc: %s\n", i.RPCAddr)
	if len(i.Problems) == 0 {
		fmt.Fprintln(w, "problems: none")
		return
	}
	fmt.Fprintln(w, "problems:")
	for _, p := range i.Problems {
		fmt.Fprintf(w, "  - %s\n", strings.ReplaceAll(p, "\n", "\n    "))
	}
}
