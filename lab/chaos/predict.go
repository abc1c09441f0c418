package chaos

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/gossiplab/gossiplab/simulator"
)

// Fault is a step as the simulator sees it: the cluster's size, the
// action and how many nodes it hits.
type Fault struct {
	// N is the number of running members when the fault is injected.
	N int
	// Action is the chaos action.
	Action Action
	// Targets is the number of nodes hit (halted, killed, isolated,
	// started ...); for heal, the number of members the observers had
	// down.
	Targets int
	// Sides are a partition's two groups' sizes (partition only).
	Sides [2]int
}

// Prediction is the simulator's forecast of a fault: when the observers
// learn it, from the injection (for heal, from the heal).
type Prediction struct {
	// Scenario names what was simulated, e.g. "partition 125|125 of 250".
	Scenario string `json:"scenario"`
	Profile  string `json:"profile"`
	N        int    `json:"nodes"`
	// Runs is the number of seeded runs pooled (seed 1, 2, ...).
	Runs int `json:"runs"`
	// P50, P99 and Last are over every simulated observer of every run
	// (nearest rank); Last is the slowest that learned it.
	P50  time.Duration `json:"-"`
	P99  time.Duration `json:"-"`
	Last time.Duration `json:"-"`
	// Coverage is the fraction of simulated observers that learned it
	// within the simulator's horizon.
	Coverage float64 `json:"coverage"`
	P50S     float64 `json:"p50_s"`
	P99S     float64 `json:"p99_s"`
	LastS    float64 `json:"last_s"`
	// CPU is the time the simulation took (all runs).
	CPU time.Duration `json:"-"`
}

// Predictor runs the simulator for faults and remembers its answers, so
// that a scenario repeating a step simulates it once. Safe for
// concurrent use; the zero value is ready.
type Predictor struct {
	mu    sync.Mutex
	cache map[predictKey]Prediction
}

type predictKey struct {
	profile string
	fault   Fault
}

// predictWork bounds a prediction's work: runs x observers x subjects.
// A crash in 500 nodes pools 8 runs; a partition of 250 in halves, one.
const predictWork = 60_000

// Predict returns the simulator's forecast of f on agents running the
// memberlist profile (lan, wan or local), and false when the action has
// nothing to predict (loss, delay, wait) or the fault leaves no observer.
func (p *Predictor) Predict(ctx context.Context, profile string, f Fault) (Prediction, bool, error) {
	sc, what, ok := scenarioOf(profile, f)
	if !ok {
		return Prediction{}, false, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	key := predictKey{profile, f}
	if pr, ok := p.cache[key]; ok {
		return pr, true, nil
	}
	cfg, err := simulator.Preset(profile)
	if err != nil {
		return Prediction{}, false, fmt.Errorf("predict %s: %w", what, err)
	}
	subjects := max(1, f.Targets, f.Sides[0]+f.Sides[1])
	runs := min(8, max(1, predictWork/(f.N*subjects)))
	start := time.Now()
	results, err := simulator.MonteCarlo(ctx, cfg, simulator.LANNetwork(), sc, runs, 1, runtime.GOMAXPROCS(0))
	if err != nil {
		return Prediction{}, false, fmt.Errorf("predict %s: %w", what, err)
	}
	pr := summarise(results, sc)
	pr.Scenario, pr.Profile, pr.N, pr.Runs, pr.CPU = what, profile, f.N, runs, time.Since(start)
	if p.cache == nil {
		p.cache = map[predictKey]Prediction{}
	}
	p.cache[key] = pr
	return pr, true, nil
}

// scenarioOf is the simulator's scenario for f, and its name. Crashes,
// graceful halts, isolation and a fault hitting several nodes are
// failures (a graceful halt is seen failed: the agent does not leave on
// SIGTERM); a stop-agent is a leave; up, reload, start-agent and
// restart-agent are a join; heal is the end of a partition of the
// members the observers had down from the others.
func scenarioOf(profile string, f Fault) (simulator.Scenario, string, bool) {
	n, k := f.N, f.Targets
	sc := simulator.Scenario{N: n}
	if n < 2 {
		return sc, "", false
	}
	switch f.Action {
	case ActPartition:
		a, b := f.Sides[0], f.Sides[1]
		if a == 0 || b == 0 || a+b > n {
			return sc, "", false
		}
		// The sides' members; the simulator puts the rest in a group of
		// their own, which lab chaos does not cut off.
		sc.Event, sc.Groups = simulator.Partition, [][]int{seq(0, a), seq(a, a+b)}
		return sc, fmt.Sprintf("partition %d|%d of %d", a, b, n), true
	case ActHeal:
		if k == 0 || k >= n {
			return sc, "", false
		}
		t, _ := ProfileTiming(profile)
		sc.Event, sc.Groups = simulator.Partition, [][]int{seq(0, k)}
		sc.HealAfter = t.DefaultTimeout(ActPartition, n)
		return sc, fmt.Sprintf("heal of a partition %d|%d", k, n-k), true
	}
	if k == 0 || k >= n && f.Action.Expects() == ExpectDown {
		return sc, "", false
	}
	switch f.Action.Expects() {
	case ExpectDown:
		switch {
		case f.Action == ActStopAgent:
			sc.Event = simulator.Leave
			return sc, leaveName(k, n), true
		case k == 1:
			sc.Event = simulator.Fail
			return sc, fmt.Sprintf("crash of 1 of %d", n), true
		}
		sc.Event, sc.FailFraction = simulator.MassFail, float64(k)/float64(n)
		return sc, fmt.Sprintf("crash of %d of %d", k, n), true
	case ExpectUp:
		sc.Event = simulator.Join
		return sc, fmt.Sprintf("join to %d", n), true
	case ExpectUser:
		sc.Event = simulator.User
		return sc, fmt.Sprintf("user event in %d", n), true
	}
	return sc, "", false
}

// leaveName names a leave; the simulator has one leaver, so several at
// once are predicted as one (their messages travel independently).
func leaveName(k, n int) string {
	if k == 1 {
		return fmt.Sprintf("leave of 1 of %d", n)
	}
	return fmt.Sprintf("leave of %d of %d (simulated as one)", k, n)
}

// summarise pools the runs' observers: for a heal, from the heal.
func summarise(results []simulator.Result, sc simulator.Scenario) Prediction {
	var pooled simulator.Change
	for _, r := range results {
		c := r.Converged()
		if sc.Event == simulator.Partition && sc.HealAfter > 0 {
			c = healed(r, sc.HealAfter)
		}
		pooled.Observers = append(pooled.Observers, c.Observers...)
	}
	var pr Prediction
	pr.Coverage = pooled.Coverage()
	pr.P50, _ = pooled.Quantile(0.5)
	pr.P99, _ = pooled.Quantile(0.99)
	for _, o := range pooled.Observers {
		pr.Last = max(pr.Last, o.Latency)
	}
	pr.P50, pr.P99 = max(pr.P50, 0), max(pr.P99, 0)
	pr.P50S, pr.P99S, pr.LastS = pr.P50.Seconds(), pr.P99.Seconds(), pr.Last.Seconds()
	return pr
}

// healed is a run's "healed" change with latencies from the heal.
func healed(r simulator.Result, after time.Duration) simulator.Change {
	for _, c := range r.Changes {
		if c.What != "healed" {
			continue
		}
		out := simulator.Change{What: c.What, Subject: c.Subject}
		for _, o := range c.Observers {
			if o.Latency != simulator.Never {
				o.Latency = max(0, o.Latency-after)
			}
			out.Observers = append(out.Observers, o)
		}
		return out
	}
	return simulator.Change{}
}

func seq(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}
