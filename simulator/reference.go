package simulator

import (
	"math"
	"time"
)

// SerfModel is Serf's closed-form convergence model ("serf-formula"), the
// logistic curve of the convergence simulator on Serf's web site:
//
//	contact  = (fanout / N) (1 - loss) (1 - failed) * 0.5
//	informed(x rounds) = N / (1 + (N+1) e^(-contact N x))
//
// with one round per gossip interval. It models neither failure detection,
// suspicion, retransmit limits nor push/pull; it is the baseline the
// simulator has to beat.
type SerfModel struct {
	N              int
	Fanout         int
	GossipInterval time.Duration
	Loss, Failed   float64
}

// SerfFormula returns Serf's closed-form model for n nodes.
func SerfFormula(n, fanout int, gossipInterval time.Duration, loss, failedFrac float64) SerfModel {
	return SerfModel{N: n, Fanout: fanout, GossipInterval: gossipInterval, Loss: loss, Failed: failedFrac}
}

func (m SerfModel) rate() float64 { // contact * N
	return float64(m.Fanout) * (1 - m.Loss) * (1 - m.Failed) * 0.5
}

// Informed returns the fraction of the N nodes informed t after the event.
func (m SerfModel) Informed(t time.Duration) float64 {
	if m.N <= 0 || m.GossipInterval <= 0 {
		return 0
	}
	x := float64(t) / float64(m.GossipInterval)
	n := float64(m.N)
	return 1 / (1 + (n+1)*math.Exp(-m.rate()*x))
}

// TimeTo returns the time at which a fraction frac of the nodes is
// informed. The curve only tends to N, so frac >= 1 is read as "all but
// half a node" (N - 0.5 informed). It returns -1 if the rate is zero.
func (m SerfModel) TimeTo(frac float64) time.Duration {
	r := m.rate()
	if m.N <= 0 || r <= 0 || frac <= 0 {
		return -1
	}
	n := float64(m.N)
	if frac*n > n-0.5 {
		frac = (n - 0.5) / n
	}
	// N/(1+(N+1)e^(-r x)) = frac N  =>  x = ln((N+1) / (1/frac - 1)) / r
	x := math.Log((n+1)/(1/frac-1)) / r
	if x < 0 {
		x = 0
	}
	return time.Duration(x * float64(m.GossipInterval))
}

// LowerBound is a statistical lower bound on the mean time for push gossip
// with unsynchronised tickers to inform a fraction frac of n nodes, each
// informed node sending to fanout peers every interval:
//
//	LB = (interval / fanout) * H(m-1),  m = ceil(frac n),  H(k) = 1 + 1/2 + ... + 1/k
//
// Why this and not ceil(log_(1+f) N) rounds: that classic count assumes
// lock-step rounds, where a node informed during round r first sends in
// round r+1. With each node's ticker at its own random phase, a node can be
// informed just before its own tick and pass the update on at once, so a
// chain of hops can cross several nodes within one interval, and real
// clusters beat the round count. The right floor is the collision-free
// branching process: every informed node adds fanout informed nodes per
// interval at uniformly random phases. By the Euler-Lotka equation its
// growth rate r solves 1 = fanout * E[sum_k e^(-r(U + k T))] with U uniform
// on [0, T), which gives r = fanout / T exactly, the rate of a Yule process
// with birth rate fanout / T per informed node; the Yule process takes
// H(m-1) / r in expectation to reach m nodes. Collisions (sending to an
// informed node), loss, latency, retransmit limits and the packet budget
// only slow dissemination down, so the mean time of a real run lies above
// LB; single runs can undercut it, which is why it is a bound on the mean.
func LowerBound(n, fanout int, interval time.Duration, frac float64) time.Duration {
	if n <= 1 || fanout <= 0 || interval <= 0 || frac <= 0 {
		return 0
	}
	m := int(math.Ceil(frac*float64(n) - 1e-9))
	m = min(max(m, 1), n)
	h := 0.0
	for k := 1; k < m; k++ {
		h += 1 / float64(k)
	}
	return time.Duration(h * float64(interval) / float64(fanout))
}
