package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/gossiplab/gossiplab/simulator"
)

// Sim is the "sim" backend: the discrete-event simulator, runs in
// parallel on every CPU, run i seeded with simulator.RunSeed(seed, i)
// (so any run can be replayed alone with simulator.Run).
type Sim struct{}

var _ Backend = Sim{}

// Name implements Backend.
func (Sim) Name() string { return BackendSim }

var simEvents = map[Event]simulator.EventKind{
	EventJoin:  simulator.Join,
	EventLeave: simulator.Leave,
	EventFail:  simulator.Fail,
	EventUser:  simulator.User,
}

// Run implements Backend.
func (Sim) Run(ctx context.Context, spec Spec, done func(int, []Sample)) error {
	net := simulator.LANNetwork()
	net.Loss = spec.Profile.Loss
	timeout := spec.RunTimeout()
	sc := simulator.Scenario{N: spec.N, Event: simEvents[spec.Event], Horizon: timeout}
	type result struct {
		run int
		res simulator.Result
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	results := make(chan result)
	var wg sync.WaitGroup
	for range min(spec.Runs, max(1, runtime.GOMAXPROCS(0))) {
		wg.Go(func() {
			for i := range next {
				r, err := simulator.Run(spec.Profile.Config, net, sc, simulator.RunSeed(spec.Seed, i))
				select {
				case results <- result{i, r, err}:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		defer close(next)
		for i := range spec.Runs {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var errs []error
	for r := range results {
		if r.err != nil {
			errs = append(errs, fmt.Errorf("simulate %s on %d nodes, run %d: %w", spec.Event, spec.N, r.run, r.err))
			cancel()
			continue
		}
		done(r.run, simSamples(spec, r.run, r.res, timeout))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return ctx.Err()
}

// simSamples returns a run's samples: one per observer, or a histogram
// above MaxObserverRows observers.
func simSamples(spec Spec, run int, r simulator.Result, timeout time.Duration) []Sample {
	obs := r.Converged().Observers
	lats := make([]time.Duration, len(obs))
	for i, o := range obs {
		lats[i] = o.Latency // Never is negative: not learned
	}
	proto := Sample{Backend: BackendSim, N: spec.N, Run: run, Event: spec.Event, Timeout: timeout}
	return runSamples(proto, lats, func(i int) string { return observerName(obs[i].Node) })
}
