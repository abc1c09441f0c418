package netns

import (
	"context"

	"github.com/gossiplab/gossiplab/lab"
)

var _ lab.Planner = (*Provider)(nil)

// idleCPU is an idle labagent node's CPU cost (LAN profile) as measured
// by BenchmarkRootScale in cmd/lab and the agent's idle benchmark, in
// docs/performance.md: 1.42 ms/s per agent at 52 nodes and 2.13 at 100,
// so 0.7 ms/s of timers and runtime wake-ups plus 15 us/s for every
// other member. The holder, sshd and forwarder take next to nothing
// while the lab idles. The budget is the host's CPUs, whole: past it the
// agents wait for a CPU longer than their probes' timeouts, suspect live
// members and never settle.
var idleCPU = lab.NodeCPU{BaseMs: 0.7, PerPeerUs: 15, Budget: 1}

// Footprint: a netns node is a holder, an sshd and an agent sharing the
// host kernel; its memory setting reserves nothing. 10 MB of PSS per
// node were measured at 100 nodes (agent 6, holder 2.7, sshd 1.3).
func (p *Provider) Footprint(lab.Spec) lab.Footprint {
	return lab.Footprint{PerNodeMemory: false, OverheadMB: 24, CPU: idleCPU,
		Note: "no VM: holder, sshd and agent on the host's kernel"}
}

// PlanChecks: none beyond the planner's own.
func (p *Provider) PlanChecks(context.Context, lab.Spec, lab.HostFacts) []lab.Check { return nil }
