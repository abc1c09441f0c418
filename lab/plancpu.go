package lab

import (
	"fmt"
	"math"
)

// NodeCPU is a provider's measured idle CPU cost of one node in a lab of
// n nodes, in milliseconds of CPU per second: BaseMs + PerPeerUs*(n-1)
// /1000. The per-peer part is the cost that grows with the cluster (the
// gossip protocol's full-state exchanges, the packets of a larger
// cluster); the base is the agent's timers and the Go runtime's wake-ups.
type NodeCPU struct {
	BaseMs    float64 `json:"base_ms_per_s"`
	PerPeerUs float64 `json:"per_peer_us_per_s"`
	// Budget is the share of the host's CPUs the idle lab may take and
	// still detect failures within its profile's bounds: an agent that
	// waits for a CPU misses its probes' deadlines and suspects live
	// members, which costs more CPU.
	Budget float64 `json:"budget"`
}

// IsZero reports whether the cost is unknown.
func (c NodeCPU) IsZero() bool { return c.BaseMs == 0 && c.PerPeerUs == 0 }

// LabMs is the idle CPU a lab of n nodes takes, in ms per second.
func (c NodeCPU) LabMs(n int) float64 {
	return float64(n) * (c.BaseMs + c.PerPeerUs*float64(n-1)/1000)
}

// MaxNodes is the largest lab whose idle cost stays within the budget of
// cpus CPUs.
func (c NodeCPU) MaxNodes(cpus int) int {
	budget := c.Budget * float64(cpus) * 1000
	if c.PerPeerUs <= 0 {
		return int(budget / c.BaseMs)
	}
	// n*(base - k) + k*n^2 = budget, k = per peer in ms.
	k := c.PerPeerUs / 1000
	b := c.BaseMs - k
	n := (-b + math.Sqrt(b*b+4*k*budget)) / (2 * k)
	fit := int(n)
	for fit > 0 && c.LabMs(fit) > budget {
		fit--
	}
	for c.LabMs(fit+1) <= budget {
		fit++
	}
	return fit
}

// planCPU adds the cpu row of a plan of n nodes and returns the largest
// N the host's CPUs allow; ok is false when there is nothing to check.
func planCPU(n int, c NodeCPU, cpus int, add func(Check)) (fit int, ok bool) {
	if c.IsZero() || c.Budget <= 0 {
		return 0, false
	}
	if cpus <= 0 {
		add(Check{Name: "cpu", OK: true, Detail: fmt.Sprintf("idle agents need about %.2f CPUs; this host's CPUs are unknown, not checked", c.LabMs(n)/1000)})
		return 0, false
	}
	fit = c.MaxNodes(cpus)
	need := c.LabMs(n) / 1000
	chk := Check{Name: "cpu", OK: n <= fit,
		Detail: fmt.Sprintf("%d idle nodes x %.1f ms/s = %.2f CPUs, %.0f%% of %d (at most %.0f%% keeps failure detection within its bounds)",
			n, c.LabMs(n)/float64(n), need, 100*need/float64(cpus), cpus, 100*c.Budget)}
	if !chk.OK {
		chk.Fix = fmt.Sprintf("at most %d nodes fit these CPUs: use --nodes %d, or a host with %d CPUs for %d nodes",
			fit, fit, int(math.Ceil(need/c.Budget)), n)
	}
	add(chk)
	return fit, true
}
