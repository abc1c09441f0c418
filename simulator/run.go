package simulator

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Run simulates one scenario with the given seed. The same arguments give
// the same Result, bit for bit: the engine is single-threaded, runs in
// virtual time and draws every random number from generators seeded by seed.
func Run(cfg Config, net Network, sc Scenario, seed uint64) (Result, error) {
	if err := errors.Join(cfg.Validate(), net.Validate(), sc.Validate()); err != nil {
		return Result{}, err
	}
	e, err := newEngine(cfg, net, sc, seed)
	if err != nil {
		return Result{}, err
	}
	return e.run(), nil
}

// RunSeed is the seed MonteCarlo gives run number run (0-based) of a
// Monte Carlo started with seed: a SplitMix64 mix of both, so runs are
// independent and any one of them can be re-run alone with Run.
func RunSeed(seed uint64, run int) uint64 {
	z := seed + uint64(run+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// MonteCarlo runs the scenario runs times with seeds RunSeed(seed, i), up to
// parallel runs at a time (each run is single-threaded; parallel <= 0 means
// 1). Results are in run order whatever the parallelism. It stops early
// when ctx is cancelled and returns the runs that finished (in order, with
// gaps removed) together with ctx's error.
func MonteCarlo(ctx context.Context, cfg Config, net Network, sc Scenario, runs int, seed uint64, parallel int) ([]Result, error) {
	if runs <= 0 {
		return nil, fmt.Errorf("runs %d: need at least one\nhint: pass runs >= 1", runs)
	}
	if err := errors.Join(cfg.Validate(), net.Validate(), sc.Validate()); err != nil {
		return nil, err
	}
	if parallel <= 0 {
		parallel = 1
	}
	results := make([]Result, runs)
	done := make([]bool, runs)
	errs := make([]error, runs)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(parallel, runs) {
		wg.Go(func() {
			for i := range next {
				results[i], errs[i] = Run(cfg, net, sc, RunSeed(seed, i))
				done[i] = errs[i] == nil
			}
		})
	}
feed:
	for i := range runs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	out := make([]Result, 0, runs)
	for i := range runs {
		if done[i] {
			out = append(out, results[i])
		}
	}
	if err := errors.Join(errs...); err != nil {
		return out, fmt.Errorf("monte carlo: %w", err)
	}
	return out, ctx.Err()
}
