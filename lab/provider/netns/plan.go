package netns

import (
	"context"

	"github.com/gossiplab/gossiplab/lab"
)

var _ lab.Planner = (*Provider)(nil)

// Footprint: a netns node is a holder, an sshd and an agent sharing the
// host kernel; its memory setting reserves nothing.
func (p *Provider) Footprint(lab.Spec) lab.Footprint {
	return lab.Footprint{PerNodeMemory: false, OverheadMB: 24, Note: "no VM: holder, sshd and agent on the host's kernel"}
}

// PlanChecks: none beyond the planner's own.
func (p *Provider) PlanChecks(context.Context, lab.Spec, lab.HostFacts) []lab.Check { return nil }
