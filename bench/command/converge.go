package command

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/bench"
)

// Defaults of `bench converge`: the README's main command. DefaultRuns
// keeps it to about two minutes on two cores (the memberlist crash runs
// dominate: each waits out memberlist's suspicion timeout). From
// bench.LargeN nodes (only the simulator and the models go there) the
// default is DefaultLargeRuns: a simulated crash at a million nodes takes
// about 40 s of CPU per run.
const (
	DefaultRuns      = 8
	DefaultLargeRuns = 3
	maxNodes         = 1_000_000
)

type convergeFlags struct {
	backends       []string
	events         []string
	nodes          []int
	runs           int
	seed           uint64
	profile        string
	gossipInterval time.Duration
	fanout         int
	loss           float64
	out            string
	name           string
	timeout        time.Duration
	json           bool
	labDir         string
	nodesSet       bool // --nodes was given
	runsSet        bool // --runs was given
}

func newConvergeCommand(e *env) *cobra.Command {
	f := &convergeFlags{}
	cmd := &cobra.Command{
		Use:   "converge",
		Short: "Run a convergence experiment on several backends and write samples, summary, plots and report",
		Long: `converge injects membership events (a node joins, leaves, crashes, or a user
event is broadcast) into clusters of the given sizes on every backend, measures
when each observer learned it, and writes a new results directory
<out>/<UTC time>-<name>/ with samples.csv, summary.json, plots and report.md.
Ctrl-C stops early, writes what finished and marks it incomplete.`,
		Example: `  bench converge                                  # memberlist, sim, serf-formula; N=52; join and fail
  bench converge --backend sim,serf-formula --nodes 10,100,1000
  bench converge --backend memberlist --event join --nodes 10 --runs 3
  bench converge --backend lab,sim --lab-dir ~/labs/l10 --event fail --runs 5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.nodesSet = cmd.Flags().Changed("nodes")
			f.runsSet = cmd.Flags().Changed("runs")
			// The command line as typed, with the program's name only: a
			// `go run` binary lives in a temporary directory.
			args := append([]string{"bench"}, os.Args[1:]...)
			return f.runE(cmd.Context(), e, args)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.backends, "backend", []string{bench.BackendMemberlist, bench.BackendSim, bench.BackendSerfFormula},
		"backends to run, comma separated: "+strings.Join(e.registry.Names(), ", "))
	fl.StringSliceVar(&f.events, "event", []string{string(bench.EventJoin), string(bench.EventFail)}, "events: join, leave, fail, user")
	fl.IntSliceVar(&f.nodes, "nodes", []int{52}, "cluster sizes before the event, comma separated")
	fl.IntVar(&f.runs, "runs", DefaultRuns, fmt.Sprintf("runs per backend, event and size (closed-form models run once); default %d from %d nodes", DefaultLargeRuns, bench.LargeN))
	fl.Uint64Var(&f.seed, "seed", 1, "seed of the simulator runs, the start offsets and the bootstrap")
	fl.StringVar(&f.profile, "profile", "lan", "memberlist configuration: lan, wan or local")
	fl.DurationVar(&f.gossipInterval, "gossip-interval", 0, "override the profile's gossip interval")
	fl.IntVar(&f.fanout, "fanout", 0, "override the profile's gossip fanout (GossipNodes)")
	fl.Float64Var(&f.loss, "loss", 0, "fraction of UDP gossip packets each node drops of what it sends, in [0, 1) (on a lab: chaos's loss on the gossip port, removed after the runs)")
	fl.StringVar(&f.out, "out", "results", "directory under which the run's directory is created")
	fl.StringVar(&f.name, "name", "converge", "name of the run, appended to its directory")
	fl.DurationVar(&f.timeout, "timeout", 0, "how long a run waits for every observer (default: derived from the profile per event)")
	fl.BoolVar(&f.json, "json", false, "print summary.json on stdout instead of a table")
	fl.StringVar(&f.labDir, "lab-dir", ".", "directory of the running lab (lab up, agents provisioned) that the lab backend runs on; N is then its node count")
	return cmd
}

// experiment validates the flags and builds the experiment.
func (f *convergeFlags) experiment(e *env) (bench.Experiment, error) {
	var errs []error
	x := bench.Experiment{Runs: f.runs, Seed: f.seed, Timeout: f.timeout}
	if !f.runsSet {
		x.LargeRuns = DefaultLargeRuns
	}
	backends, err := e.registry.Lookup(f.backends)
	if err != nil {
		errs = append(errs, err)
	}
	x.Backends = backends
	if len(f.backends) == 0 {
		errs = append(errs, fmt.Errorf("no backend given\nhint: e.g. --backend %s", strings.Join(e.registry.Names(), ",")))
	}
	if !slices.Contains(f.backends, bench.BackendLowerBound) {
		// The lower bound is a reference drawn with every sweep.
		if lb, err := e.registry.Lookup([]string{bench.BackendLowerBound}); err == nil {
			x.Backends = append(x.Backends, lb...)
		}
	}
	for _, s := range f.events {
		ev, err := bench.ParseEvent(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("--event: %w", err))
			continue
		}
		if slices.Contains(x.Events, ev) {
			errs = append(errs, fmt.Errorf("--event: %q listed twice", s))
		}
		x.Events = append(x.Events, ev)
	}
	if len(f.events) == 0 {
		errs = append(errs, errors.New("no event given\nhint: e.g. --event join,fail"))
	}
	for _, n := range f.nodes {
		if n < 2 || n > maxNodes {
			errs = append(errs, fmt.Errorf("--nodes: cluster size %d outside [2, %d]", n, maxNodes))
		}
	}
	if len(f.nodes) == 0 {
		errs = append(errs, errors.New("no cluster size given\nhint: e.g. --nodes 10,52,100"))
	}
	x.Nodes = f.nodes
	if f.runs < 1 {
		errs = append(errs, fmt.Errorf("--runs %d: need at least 1", f.runs))
	}
	p, err := bench.NewProfile(f.profile)
	if err != nil {
		errs = append(errs, fmt.Errorf("--profile: %w", err))
	}
	if f.gossipInterval < 0 || f.fanout < 0 || f.timeout < 0 {
		errs = append(errs, errors.New("--gossip-interval, --fanout and --timeout must not be negative"))
	}
	if f.gossipInterval > 0 {
		p.Config.GossipInterval = f.gossipInterval
	}
	if f.fanout > 0 {
		p.Config.GossipNodes = f.fanout
	}
	if f.loss < 0 || f.loss >= 1 || math.IsNaN(f.loss) {
		errs = append(errs, fmt.Errorf("--loss %v outside [0, 1)\nhint: a fraction, e.g. --loss 0.05 for 5%%", f.loss))
	}
	p.Loss = f.loss
	x.Profile = p
	if err := bench.CheckName(f.name); err != nil {
		errs = append(errs, fmt.Errorf("--name: %w", err))
	}
	return x, errors.Join(errs...)
}

func (f *convergeFlags) runE(ctx context.Context, e *env, args []string) error {
	x, err := f.experiment(e)
	if err != nil {
		return err
	}
	res := &bench.Results{Name: f.name, Environment: bench.DetectEnvironment(ctx)}
	detach, err := f.attach(ctx, &x, res)
	if err != nil {
		return err
	}
	defer func() {
		if derr := detach(); derr != nil {
			e.log.Warn("detach", "err", derr)
		}
	}()
	d, err := bench.CreateDir(f.out, f.name, time.Now())
	if err != nil {
		return err
	}
	res.Environment.Seed = f.seed
	res.Environment.Args = args
	res.Environment.Flags = f.flagMap(x)
	if res.Environment.Lab != nil {
		res.Environment.Flags["lab-dir"] = f.labDir
	}
	total := 0
	for _, j := range x.Plan() {
		total += j.Runs()
	}
	fmt.Fprintf(e.streams.Err, "bench: %d runs into %s\n", total, d.Path)
	prog := newProgress(e.streams.Err, e.sink, total)
	runErr := x.Execute(ctx, d, res, prog, e.log)
	prog.Close()
	if errors.Is(runErr, context.Canceled) {
		fmt.Fprintf(e.streams.Err, "bench: interrupted; kept %d samples in %s (marked incomplete)\n", len(res.Samples), d.Path)
		return fmt.Errorf("interrupted: %w", runErr)
	}
	if err := f.print(e, d, res); err != nil {
		return errors.Join(runErr, err)
	}
	if runErr != nil {
		return fmt.Errorf("some runs failed (results in %s are marked incomplete): %w", d.Path, runErr)
	}
	return nil
}

func (f *convergeFlags) flagMap(x bench.Experiment) map[string]string {
	c := x.Profile.Config
	return map[string]string{
		"backend":         strings.Join(f.backends, ","),
		"event":           strings.Join(f.events, ","),
		"nodes":           strings.Trim(strings.Join(strings.Fields(fmt.Sprint(x.Nodes)), ","), "[]"),
		"runs":            f.runsFlag(x),
		"profile":         x.Profile.Name,
		"gossip-interval": c.GossipInterval.String(),
		"fanout":          fmt.Sprint(c.GossipNodes),
		"loss":            fmt.Sprint(f.loss),
		"timeout":         f.timeout.String(),
	}
}

// runsFlag is the runs the sweep made, for the record: --runs, and the
// default for large sizes when one applied.
func (f *convergeFlags) runsFlag(x bench.Experiment) string {
	s := fmt.Sprint(f.runs)
	if x.LargeRuns > 0 && slices.ContainsFunc(x.Nodes, func(n int) bool { return n >= bench.LargeN }) {
		s += fmt.Sprintf(" (%d from %d nodes)", x.LargeRuns, bench.LargeN)
	}
	return s
}

// print writes the result on stdout: summary.json with --json, else a
// short table and the report's path.
func (f *convergeFlags) print(e *env, d bench.Dir, res *bench.Results) error {
	if f.json {
		b, err := os.ReadFile(d.Summary())
		if err != nil {
			return err
		}
		_, err = e.streams.Out.Write(b)
		return err
	}
	b, err := os.ReadFile(d.Summary())
	if err != nil {
		return err
	}
	sum, err := bench.DecodeSummary(b)
	if err != nil {
		return err
	}
	w := e.streams.Out
	fmt.Fprintf(w, "%-13s %-6s %6s %5s %8s %8s %8s %8s %8s %8s\n", "backend", "event", "N", "runs", "t0", "t50", "t95", "t99", "t100", "coverage")
	for _, g := range sum.Groups {
		fmt.Fprintf(w, "%-13s %-6s %6d %5d %8s %8s %8s %8s %8s %7.1f%%\n", g.Backend, g.Event, g.N, g.Runs,
			secs(g.T0), secs(g.T50), secs(g.T95), secs(g.T99), secs(g.T100), 100*g.Coverage)
	}
	fmt.Fprintf(w, "report: %s\n", d.Report())
	return nil
}

func secs(e bench.Estimate) string {
	if e.Value == nil {
		return "-"
	}
	return fmt.Sprintf("%.3fs", *e.Value)
}
