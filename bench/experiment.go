package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// Experiment is a sweep: every backend, event and cluster size.
type Experiment struct {
	Backends []Backend
	Events   []Event
	Nodes    []int
	Runs     int
	// LargeRuns, when > 0, replaces Runs for cluster sizes of LargeN and
	// more, where a run takes seconds to minutes.
	LargeRuns int
	Seed      uint64
	Profile   Profile
	Timeout   time.Duration // 0: derived per event from the profile
}

// Job is one group of runs of an experiment.
type Job struct {
	Backend Backend
	Spec    Spec
}

// Runs is how many runs the job makes.
func (j Job) Runs() int {
	if d, ok := j.Backend.(Deterministic); ok && d.Deterministic() {
		return 1
	}
	return j.Spec.Runs
}

// Plan lists the jobs in the order they run: by N, then event, then
// backend, so that a sweep interrupted late still has every backend for
// the first sizes.
func (e Experiment) Plan() []Job {
	var jobs []Job
	for _, n := range e.Nodes {
		for _, ev := range e.Events {
			for _, b := range e.Backends {
				if f, ok := b.(EventFilter); ok && !f.Supports(ev) {
					continue
				}
				jobs = append(jobs, Job{b, Spec{Event: ev, N: n, Runs: e.runsFor(n), Seed: e.Seed, Profile: e.Profile, Timeout: e.Timeout}})
			}
		}
	}
	return jobs
}

// LargeN is the cluster size from which Experiment.LargeRuns applies.
const LargeN = 100_000

func (e Experiment) runsFor(n int) int {
	if e.LargeRuns > 0 && n >= LargeN {
		return e.LargeRuns
	}
	return e.Runs
}

// Observer receives progress: one call per finished run.
type Observer interface {
	RunDone(k Key, run, runs int)
}

// Execute runs the plan, checkpoints samples.csv and summary.json after
// every job (so that even a killed run leaves what finished, for `bench
// report`), and writes the whole results directory at the end. A failing job is logged,
// marks the results incomplete and does not stop the others; a cancelled
// ctx stops everything, marks the results incomplete and returns ctx's
// error after writing.
func (e Experiment) Execute(ctx context.Context, d Dir, res *Results, obs Observer, log *slog.Logger) error {
	if res.Resources == nil {
		res.Resources = map[Key]Resources{}
	}
	var errs []error
	for _, j := range e.Plan() {
		if ctx.Err() != nil {
			break
		}
		k := Key{j.Backend.Name(), j.Spec.Event, j.Spec.N}
		log.Info("running", "backend", k.Backend, "event", k.Event, "n", k.N, "runs", j.Runs(), "timeout", j.Spec.RunTimeout())
		runs, r, err := measure(ctx, j, func(run int, s []Sample) {
			res.Samples = append(res.Samples, s...)
			obs.RunDone(k, run, j.Runs())
		})
		if runs > 0 {
			res.Resources[k] = r
		}
		if runs < j.Runs() {
			res.Incomplete = true
		}
		if err != nil && ctx.Err() == nil {
			log.Error("backend failed", "backend", k.Backend, "event", k.Event, "n", k.N, "err", err)
			errs = append(errs, fmt.Errorf("%s: %w", k, err))
		}
		res.Environment.Finished = time.Now().UTC()
		if err := Checkpoint(d, *res); err != nil {
			return errors.Join(append(errs, err)...)
		}
	}
	if ctx.Err() != nil {
		res.Incomplete = true
		errs = append(errs, ctx.Err())
	}
	if err := Write(d, *res); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// measure runs a job and returns how many runs finished and what they
// cost: wall time, process CPU time and peak RSS. CPU and memory are the
// whole process's (the harness included) during the job. The heap left
// over from earlier jobs is given back to the system first, so that the
// peak is this job's (at a million nodes an earlier job may hold GBs).
func measure(ctx context.Context, j Job, done func(int, []Sample)) (int, Resources, error) {
	debug.FreeOSMemory()
	resetPeakRSS()
	cpu0, t0 := cpuTime(), time.Now()
	runs := 0
	err := j.Backend.Run(ctx, j.Spec, func(run int, s []Sample) {
		runs++
		done(run, s)
	})
	return runs, Resources{
		Wall:       Seconds(time.Since(t0)),
		CPU:        Seconds(cpuTime() - cpu0),
		PeakMemory: peakRSS(),
	}, err
}
