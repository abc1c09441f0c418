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

// LowerBound is a statistical lower bound on the time for push gossip with
// unsynchronised tickers to inform a fraction frac of n nodes, when every
// informed node sends the update to fanout peers each interval:
//
//	LB = ln(m) / r,  m = ceil(frac n),  r = fanout / interval
//
// Why this and not ceil(log_(1+f) N) rounds: that classic count assumes
// lock-step rounds, in which a node informed during round r first sends in
// round r+1. With each node's ticker at its own random phase, a node can be
// informed just before its own tick and pass the update on at once, so a
// chain of hops can cross several nodes within one interval, and real
// clusters beat the round count (for fanout 3 the lock-step growth rate is
// ln 4 = 1.39 per interval, the asynchronous one 3).
//
// The floor is the collision-free process, where every send reaches a new
// node. Its expected size is exactly E[I(t)] = e^(r t): the renewal
// equation of a node sending fanout messages at U + kT (U uniform on
// [0, T)) has Laplace transform 1/(s - fanout/T), the same as a Yule
// process of birth rate fanout/T. Collisions, loss, latency, retransmit
// limits and the packet budget only remove sends, so the informed count of
// a real run is dominated by I(t), and by Markov's inequality
// P(m informed before LB - x) <= e^(-r x): a run can undercut LB only by an
// exponentially unlikely margin. LB is the time at which the expected
// collision-free count reaches m.
//
// memberlist also piggybacks updates on probe pings and acks; use
// LowerBoundFor to include them.
func LowerBound(n, fanout int, interval time.Duration, frac float64) time.Duration {
	if fanout <= 0 || interval <= 0 {
		return 0
	}
	return lowerBound(n, float64(fanout)/interval.Seconds(), frac)
}

// LowerBoundFor is LowerBound for memberlist with cfg: an informed node
// sends GossipNodes packets per GossipInterval plus, per ProbeInterval, one
// ping it sends and on average one ack it answers (every node is probed
// once per interval on average), both carrying piggybacked updates:
// r = GossipNodes/GossipInterval + 2/ProbeInterval.
func LowerBoundFor(cfg Config, n int, frac float64) time.Duration {
	r := 0.0
	if cfg.GossipInterval > 0 {
		r += float64(cfg.GossipNodes) / cfg.GossipInterval.Seconds()
	}
	if cfg.ProbeInterval > 0 {
		r += 2 / cfg.ProbeInterval.Seconds()
	}
	return lowerBound(n, r, frac)
}

func lowerBound(n int, rate, frac float64) time.Duration {
	if n <= 1 || rate <= 0 || frac <= 0 {
		return 0
	}
	m := math.Ceil(frac*float64(n) - 1e-9)
	m = min(max(m, 1), float64(n))
	return time.Duration(math.Log(m) / rate * float64(time.Second))
}
