package bench

import (
	"context"
	"time"

	"github.com/gossiplab/gossiplab/simulator"
)

// SerfFormula is the "serf-formula" backend: Serf's closed-form logistic
// model (simulator.SerfFormula). Observer k of m learns at the time the
// curve reaches k/m of the cluster. It models dissemination only: for a
// crash it ignores detection and suspicion entirely, and the error table
// shows what that costs.
type SerfFormula struct{}

var (
	_ Backend       = SerfFormula{}
	_ Deterministic = SerfFormula{}
)

// Name implements Backend.
func (SerfFormula) Name() string { return BackendSerfFormula }

// Deterministic implements Deterministic.
func (SerfFormula) Deterministic() bool { return true }

// Run implements Backend.
func (SerfFormula) Run(ctx context.Context, spec Spec, done func(int, []Sample)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := spec.Profile.Config
	failed := 0.0
	if spec.Event == EventFail {
		failed = 1 / float64(spec.N)
	}
	m := simulator.SerfFormula(spec.N, c.GossipNodes, c.GossipInterval, spec.Profile.Loss, failed)
	obs := observers(spec.Event, spec.N)
	done(0, curveSamples(BackendSerfFormula, spec, obs, func(k int) (time.Duration, bool) {
		t := m.TimeTo(float64(k) / float64(obs))
		return t, t >= 0
	}))
	return nil
}

// LowerBound is the "lower-bound" reference: the simulator's statistical
// lower bound on dissemination time for memberlist with the profile's
// knobs (simulator.LowerBoundFor: gossip plus piggybacking on probes), with
// observer k of m informed when k+1 of the m+1 nodes (the origin included)
// are. It bounds dissemination only, so it has no samples for a crash.
type LowerBound struct{}

var (
	_ Backend       = LowerBound{}
	_ Deterministic = LowerBound{}
	_ EventFilter   = LowerBound{}
)

// Supports implements EventFilter: a crash is not mere dissemination.
func (LowerBound) Supports(ev Event) bool { return ev != EventFail }

// Name implements Backend.
func (LowerBound) Name() string { return BackendLowerBound }

// Deterministic implements Deterministic.
func (LowerBound) Deterministic() bool { return true }

// Run implements Backend.
func (LowerBound) Run(ctx context.Context, spec Spec, done func(int, []Sample)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !(LowerBound{}).Supports(spec.Event) {
		return nil
	}
	c := spec.Profile.Config
	obs := observers(spec.Event, spec.N)
	done(0, curveSamples(BackendLowerBound, spec, obs, func(k int) (time.Duration, bool) {
		return simulator.LowerBoundFor(c, obs+1, float64(k+1)/float64(obs+1)), true
	}))
	return nil
}

// observers is how many nodes learn ev in a cluster of n (all but the
// subject; a joiner is an extra node).
func observers(ev Event, n int) int {
	if ev == EventJoin {
		return n
	}
	return n - 1
}

// curveSamples builds one run of obs samples where observer k (1-based)
// learns at at(k): one per observer, or a histogram above MaxObserverRows.
func curveSamples(backend string, spec Spec, obs int, at func(k int) (time.Duration, bool)) []Sample {
	lats := make([]time.Duration, obs)
	for k := 1; k <= obs; k++ {
		t, ok := at(k)
		if !ok {
			t = -1
		}
		lats[k-1] = t
	}
	proto := Sample{Backend: backend, N: spec.N, Run: 0, Event: spec.Event, Timeout: spec.RunTimeout()}
	return runSamples(proto, lats, observerName)
}
