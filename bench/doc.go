// Package bench runs convergence experiments and turns their samples into
// results: it owns the experiment loop over backends, events and cluster
// sizes, the backends themselves (an in-process memberlist cluster, the
// simulator, Serf's closed-form model), the statistics, the results
// directory (samples.csv, summary.json, plots, report.md, report.html) and
// the plots, drawn through package plots.
//
// # Backends
//
// A Backend runs the runs of one Spec (event, cluster size N, runs, seed,
// profile) and hands over each run's samples as soon as it finishes:
//
//	type Backend interface {
//		Name() string
//		Run(ctx context.Context, spec Spec, done func(run int, samples []Sample)) error
//	}
//
// Memberlist (N agents of package agent on 127.0.100.x, staggered starts,
// warm-up until every agent sees N alive members before each injection,
// latencies from the agents' journals), Sim (package simulator, runs in
// parallel), SerfFormula and LowerBound (closed forms, one run) and Lab
// implement it. Experiment runs a sweep over backends, events and sizes
// and writes the results.
//
// # The lab backend
//
// Lab runs on a lab that is up and provisioned (netns or Vagrant), through
// package lab/chaos: per run it picks a node from the seed, injects the
// event there (fail: kill-agent; leave: stop-agent; join: restart-agent, whose
// measured part is the start; user: chaos's event action), reads every other agent's journal until it
// learned the event, starts the agent again and waits until every agent
// sees every node alive before the next run. Latencies are journal time
// minus injection time on the controller's clock: netns nodes share it;
// for VMs chaos estimates each node's offset over SSH, and the largest
// uncertainty goes into summary.json (environment.lab). On a lab
// provisioned with HashiCorp Serf (the lab state says which agent runs;
// environment.lab.agent records it) chaos runs Serf's commands and reads
// the times from each observer's `serf monitor` stream instead, stamped
// on arrival at the controller. It implements
// Attacher: `bench converge --backend lab --lab-dir DIR` attaches it to
// the lab first, which sets N to the lab's node count and holds the lab's
// lock for the runs. bench never imports a provider: the backend finds the
// lab's provider in a LabProviders (a *lab.Registry), which cmd/bench
// builds as cmd/lab does.
//
// # Results directory
//
// Every run gets a new directory <out>/<UTC time>-<name>/ that is never
// overwritten. It holds:
//
//   - samples.csv: one line per (backend, N, run, observer, event) with the
//     latency in seconds from the injection of the event to the moment the
//     observer learned it; an empty latency_s means the observer had not
//     learned it when the run's timeout (timeout_s) expired. The count
//     column is empty on such lines. A run with more than MaxObserverRows
//     (10,000) observers, which only the simulator and the closed-form
//     models reach, is written as a histogram instead: lines without an
//     observer whose count says how many observers they stand for. The
//     first learner has a line of its own, then each HistogramBin (1 ms)
//     of latencies has one line at the latest latency in it, then one line
//     counts those that never learned. Every statistic computed from it is
//     the per-observer one, but for percentiles between the first and the
//     last, which are at most 1 ms late; a million-node run takes a few
//     thousand lines instead of a million. Files written before the count
//     column existed are read as one observer per line.
//   - summary.json: per backend, event and N the first learner t0 (for a
//     crash, first-dead) and the percentiles t50, t95, t99 and t100 (for a
//     crash, all-dead), each the median over runs with a bootstrap 95%
//     interval, the coverage, the CPU time and peak memory of the runs,
//     and the environment of the run.
//   - *.png and *.svg: convergence curves, latency CDFs, time to converge
//     against N (when the run has more than one N), and the models' error
//     against the measurement.
//   - report.md: the tables and the plots, tied together.
//   - report.html: the same in one self-contained page, the plots inline
//     as SVG (no script, nothing fetched), to read offline.
//
// Peak RSS is the process's high-water mark during the group (the heap
// left over from earlier groups is returned to the system before it
// starts); CPU is the process's user and system time; both include the
// harness.
//
// Everything statistical is derived from samples.csv alone, so
// Rebuild (the `bench report DIR` command) regenerates summary.json, the
// plots, report.md and report.html from it; it keeps the environment and resource
// figures of an existing summary.json, which samples cannot carry.
//
// # Large clusters
//
// The sim backend runs up to a million nodes (the lower-bound and
// serf-formula models too). From LargeN (100,000) nodes `bench converge`
// makes 3 runs per group unless --runs is given, as a simulated crash at
// a million nodes takes 30 to 40 s of CPU. Three runs give a rough median:
// runs differ by what happens in the first hops (at a million nodes the
// three joins' t50 were 0.74, 0.84 and 1.01 s, the crashes' 25.8, 26.3 and
// 27.7 s), which a million observers do not average out. Runs still
// go two at a time on two cores: at a million nodes they slow each other
// down (both are bound by memory) but finish a crash sooner than one after
// the other, for twice the memory (a run peaks under 1 GB). The timeout of
// a join, leave or user event grows with log10 N from 1,000 nodes, to 10 s
// at a million, where a simulated leave reaches every node in about 3.4 s
// and a join in under 2 s (see Profile.Timeout); a run stops as soon as
// every observer has learned, so the timeout only costs time when some
// never do.
//
// # Statistics
//
// For one run, tP is the time by which P% of the observers had learned the
// event (nearest rank over the observers; an observer that never learned
// counts as infinitely late, so tP is "not reached" when coverage is below
// P%). The reported tP of a backend, event and N is the median over runs of
// the per-run tP, with a seeded percentile bootstrap 95% interval obtained by
// resampling whole runs (observers of one run are not independent).
package bench
