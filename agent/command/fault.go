package command

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// NewFaultCommand is `labagent fault [-loss F] [-partition a,b] [-delay D]
// [-clear]`; without flags it shows the current faults.
func NewFaultCommand(s Streams, env Env) Command {
	return Command{
		Name:     "fault",
		Synopsis: "inject packet loss, partitions or delay in the agent's transport",
		Run: func(ctx context.Context, args []string) error {
			var r rpcFlags
			var fa rpc.FaultArgs
			var loss float64
			var partition string
			fs := newFlagSet("fault", "fault [-loss F] [-partition NODE,NODE] [-delay D] [-clear]", s)
			r.register(fs, env)
			fs.Float64Var(&loss, "loss", 0, "drop this fraction (0..1) of the gossip packets the agent sends")
			fs.StringVar(&partition, "partition", "", "drop all traffic to and from these members (comma-separated names)")
			fs.StringVar(&fa.Delay, "delay", "", "delay the packets the agent sends, such as 50ms")
			fs.BoolVar(&fa.Clear, "clear", false, "remove every fault (applied before the other flags)")
			if err := parse(fs, args); err != nil {
				return err
			}
			if err := noArgs(fs); err != nil {
				return err
			}
			fs.Visit(func(f *flag.Flag) {
				switch f.Name {
				case "loss":
					fa.Loss = &loss
				case "partition":
					fa.Partition = []string{}
					for _, p := range strings.Split(partition, ",") {
						if p = strings.TrimSpace(p); p != "" {
							fa.Partition = append(fa.Partition, p)
						}
					}
				}
			})
			var res rpc.Fault
			if err := r.call(ctx, rpc.CmdFault, fa, &res); err != nil {
				return err
			}
			fmt.Fprintln(s.Out, "fault:", agent.Fault(res)) // the wire type converts: same fields
			if len(fa.Partition) > 0 {
				warnNonMembers(ctx, s, &r, fa.Partition)
			}
			return nil
		},
	}
}

// warnNonMembers says which partition names are no member the agent knows
// (a typo would otherwise cut off nothing, silently). The partition is
// set all the same: a node may join later.
func warnNonMembers(ctx context.Context, s Streams, r *rpcFlags, names []string) {
	var res rpc.MembersResult
	if err := r.call(ctx, rpc.CmdMembers, nil, &res); err != nil {
		return
	}
	for _, n := range names {
		if !slices.ContainsFunc(res.Members, func(m rpc.Member) bool { return m.Name == n }) {
			hint.Print(s.Err, "labagent fault", hint.Errorf("see `labagent members` for the names", "%q is not a member: nothing is dropped for it until a member of that name joins", n))
		}
	}
}
