package chaos

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// Machines is what chaos needs of a provider; lab.Provider has it.
type Machines interface {
	Info() lab.ProviderInfo
	Halt(ctx context.Context, l *lab.Lab, nodes []string, force bool) error
	Reload(ctx context.Context, l *lab.Lab, nodes []string) error
	Up(ctx context.Context, l *lab.Lab, nodes []string, opts lab.UpOptions) error
	Status(ctx context.Context, l *lab.Lab) ([]lab.NodeStatus, error)
}

var _ Machines = lab.Provider(nil)

// Engine runs chaos steps on a lab and measures them.
type Engine struct {
	Lab      *lab.Lab
	Machines Machines
	Shell    Shell
	Agent    AgentCLI
	Logger   *slog.Logger
	// Now is the controller's clock (time.Now when nil).
	Now func() time.Time
	// Poll is how often journals are read while waiting (default 500ms).
	Poll time.Duration
	// ClockSamples is how many round trips estimate a node's clock offset
	// when the provider does not share the host's clock (default 5).
	ClockSamples int
	// NewSeed draws a seed for --random without --seed.
	NewSeed func() uint64
	// Parallel bounds the nodes worked on at once (default 16).
	Parallel int
	// Injected, when set, is told of every fault as it is injected (lab
	// watch's footer shows the last one).
	Injected func(action Action, targets []string, at time.Time)
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) faulter() *Faulter {
	return &Faulter{Shell: e.Shell, Agent: e.Agent, Parallel: e.Parallel}
}

func (e *Engine) seed() uint64 {
	if e.NewSeed != nil {
		return e.NewSeed()
	}
	return rand.Uint64()
}

// NotInjectedError is a step that failed before anything was done to
// the lab (bad targets, nodes in the wrong state): there is nothing to
// heal.
type NotInjectedError struct{ Err error }

func (e *NotInjectedError) Error() string { return e.Err.Error() }
func (e *NotInjectedError) Unwrap() error { return e.Err }

// plan is a step resolved against the lab: targets, observers and what
// each observer should notice.
type plan struct {
	targets   Picked
	groupA    []string
	groupB    []string
	running   []string
	observers []string
	expect    []Expectation
	timeout   time.Duration
}

// Do runs one step (not wait) and returns its measured summary. stream
// separates the random draws of scenario steps that share a seed. When ctx
// ends during the wait, the summary holds what was seen so far, and the
// error is ctx's.
func (e *Engine) Do(ctx context.Context, req Request, stream uint64) (*Summary, error) {
	p, err := e.plan(ctx, req, stream)
	if err != nil {
		return nil, &NotInjectedError{Err: err}
	}
	info := e.Machines.Info()
	if req.Action == ActRestartAgent {
		if err := e.stopUntilGone(ctx, req, p); err != nil {
			return nil, err
		}
	}
	// What the observers knew before: journals to read on from and clock
	// offsets; on Serf, live log streams stamped on arrival (no offsets)
	// and, for heal, the members each observer had down.
	nonce := fmt.Sprintf("%016x", rand.Uint64())
	var views Views
	if !e.Agent.Flavour.Journal() && req.Action == ActHeal {
		views = e.ReadViews(ctx, p.observers)
	}
	w, clocks, err := e.startWatch(ctx, p.observers, info.SharedClock, nonce)
	if err != nil {
		return nil, &NotInjectedError{Err: err}
	}
	defer func() {
		if err := w.Close(); err != nil {
			e.logger().Warn("serf monitors", "err", err)
		}
	}()
	journals := w.Read(ctx, p.observers)
	if !req.Action.ByProvider() {
		e.reach(ctx, p.targets.Nodes)
	}
	injected := e.now()
	mech, err := e.inject(ctx, req, p, nonce)
	if err != nil {
		return nil, err
	}
	if e.Injected != nil {
		e.Injected(req.Action, p.targets.Nodes, injected)
	}
	if req.Action == ActHeal {
		if !e.Agent.Flavour.Journal() {
			p.expect = viewExpectations(p.observers, views, p.running)
		} else {
			// Read again: what an observer recorded between the first read
			// and the injection (a cluster still merging) is part of its
			// state at the injection, and is not to be expected again.
			journals = w.Read(ctx, p.observers)
			p.expect = healExpectations(p.observers, journals, injected, clocks, p.running)
		}
	}
	res, werr := e.await(ctx, req, p, injected, journals, clocks, w)
	s := NewSummary(e.Lab, info.Name, info.SharedClock, req, p.targets, injected, p.timeout, res)
	s.Agent = e.Agent.name()
	s.AgentProfile = e.profile()
	if req.Action != ActHeal { // heal clears both mechanisms everywhere
		s.Mechanism = mech
	}
	if req.Action == ActPartition {
		s.Groups = [][]string{p.groupA, p.groupB}
	}
	switch {
	case req.Action.Expects() == ExpectNone:
		s.Note = "nothing to measure: the fault is in place; see its effect with `lab members --matrix`"
	case len(p.observers) == 0:
		s.Note = "no survivor to measure: every node is a target or down"
	case len(p.expect) == 0:
		s.Note = "nothing to measure: no observer had a failed or left member to bring back"
	}
	if werr != nil {
		now := e.now()
		s.Interrupted, s.MeasuredS = true, now.Sub(injected).Seconds()
		s.Note = "interrupted: measured until " + now.Format(time.RFC3339)
	}
	return s, werr
}

func (e *Engine) plan(ctx context.Context, req Request, stream uint64) (*plan, error) {
	l := e.Lab
	p := &plan{}
	var err error
	switch req.Action {
	case ActWait:
		return nil, errors.New("wait is a scenario step: use Engine.Wait")
	}
	if err := e.Agent.Supports(req); err != nil {
		return nil, err
	}
	switch req.Action {
	case ActPartition:
		if p.groupA, err = l.Select(req.GroupA, false); err != nil {
			return nil, fmt.Errorf("partition group A: %w", err)
		}
		if p.groupB, err = l.Select(req.GroupB, false); err != nil {
			return nil, fmt.Errorf("partition group B: %w", err)
		}
		p.targets = Picked{Nodes: append(slices.Clone(p.groupA), p.groupB...)}
	case ActHeal:
		p.targets = Picked{Nodes: l.NodeNames()}
	default:
		if p.targets, err = req.Targets.Resolve(l, stream, e.seed); err != nil {
			return nil, err
		}
	}
	if p.running, err = e.runningNodes(ctx); err != nil {
		return nil, err
	}
	isRunning := func(n string) bool { return slices.Contains(p.running, n) }
	keep, skipped, err := usableTargets(req.Action, p.targets.Nodes, isRunning)
	if err != nil {
		return nil, err
	}
	if len(skipped) > 0 {
		e.logger().Warn("skipping targets in the wrong state", "action", req.Action, "skipped", lab.Summarize(skipped))
		p.targets.Nodes = keep
	}
	if req.Action == ActStartAgent {
		if p.targets.Nodes, err = e.stoppedAgents(ctx, p.targets.Nodes); err != nil {
			return nil, err
		}
	}
	switch req.Action {
	case ActPartition:
		a := filter(p.groupA, isRunning)
		b := filter(p.groupB, isRunning)
		p.observers = append(slices.Clone(a), b...)
		if len(a) > 0 && len(b) > 0 {
			p.expect = CrossSubjects(a, b)
		}
	case ActHeal:
		p.observers = p.running
		// Expectations need the journals: set after reading them.
	default:
		p.observers = filter(p.running, func(n string) bool { return !slices.Contains(p.targets.Nodes, n) })
		if req.Action.Expects() != ExpectNone && len(p.observers) > 0 {
			p.expect = SameSubjects(p.observers, p.targets.Nodes)
		}
	}
	if req.Action.Expects() == ExpectNone {
		p.observers = nil
	}
	p.timeout = req.Timeout
	if p.timeout == 0 {
		timing, err := ProfileTiming(e.profile())
		if err != nil {
			return nil, err
		}
		p.timeout = timing.DefaultTimeout(req.Action, len(l.Nodes))
	}
	return p, nil
}

// usableTargets keeps the targets in the state the action needs (up:
// halted; reload: any; the others but partition and heal: running), since the
// others would only make every observer wait out the timeout. It refuses
// when none is left, and returns the ones skipped.
func usableTargets(a Action, targets []string, isRunning func(string) bool) (keep, skipped []string, err error) {
	switch a {
	case ActPartition, ActHeal: // applied to the running nodes among them
		return targets, nil, nil
	case ActReload: // boots halted nodes, reboots running ones
		return targets, nil, nil
	case ActUp:
		keep = filter(targets, func(n string) bool { return !isRunning(n) })
		skipped = filter(targets, isRunning)
		if len(keep) == 0 {
			return nil, nil, hint.Errorf(fmt.Sprintf("halt them first (lab chaos halt %s), or use reload", shellQuote(strings.Join(skipped, ","))), "up: %s already running", lab.Summarize(skipped))
		}
		return keep, skipped, nil
	}
	keep = filter(targets, isRunning)
	skipped = filter(targets, func(n string) bool { return !isRunning(n) })
	if len(keep) == 0 {
		return nil, nil, hint.Errorf(fmt.Sprintf("boot them first: lab chaos up %s", shellQuote(strings.Join(skipped, ","))), "%s: %s not running", a, lab.Summarize(skipped))
	}
	return keep, skipped, nil
}

// stoppedAgents keeps the targets whose agent does not answer: starting
// an agent that runs already changes nothing, and its observers would
// wait out the timeout. It refuses when every agent runs.
func (e *Engine) stoppedAgents(ctx context.Context, targets []string) ([]string, error) {
	views := e.ReadViews(ctx, targets)
	answers := func(n string) bool { _, ok := views[n]; return ok }
	stopped := filter(targets, func(n string) bool { return !answers(n) })
	running := filter(targets, answers)
	if len(stopped) == 0 {
		return nil, hint.Errorf(fmt.Sprintf("stop it first (lab chaos stop-agent %s), or use restart-agent", shellQuote(strings.Join(running, ","))), "start-agent: the agent runs on %s already", lab.Summarize(running))
	}
	if len(running) > 0 {
		e.logger().Warn("skipping targets whose agent runs already", "action", ActStartAgent, "skipped", lab.Summarize(running))
	}
	return stopped, nil
}

// HealOnExit removes every network fault from the running nodes, as heal
// does but without measuring anything, with a context of its own bounded
// by timeout (default 30s): ctx may be the one Ctrl-C just cancelled.
func (e *Engine) HealOnExit(ctx context.Context, timeout time.Duration) error {
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	running, err := e.runningNodes(hctx)
	if err != nil {
		return hint.Errorf("run `lab chaos heal`", "heal on exit: %w", err)
	}
	res := e.faulter().Heal(hctx, running)
	if err := AppliedErr(res); err != nil {
		return hint.Errorf("run `lab chaos heal` once the nodes answer", "heal on exit: %w", err)
	}
	e.logger().Info("healed: network faults removed", "nodes", len(running))
	return nil
}

func (e *Engine) runningNodes(ctx context.Context) ([]string, error) {
	st, err := e.Machines.Status(ctx, e.Lab)
	if err != nil {
		return nil, fmt.Errorf("read the nodes' status: %w", err)
	}
	var out []string
	for _, s := range st {
		if s.State == lab.StateRunning {
			out = append(out, s.Node)
		}
	}
	order := map[string]int{}
	for i, n := range e.Lab.NodeNames() {
		order[n] = i
	}
	slices.SortFunc(out, func(a, b string) int { return order[a] - order[b] })
	return out, nil
}

// inject performs the action; for network faults it returns the mechanism
// used per node.
func (e *Engine) inject(ctx context.Context, req Request, p *plan, nonce string) (map[string]string, error) {
	l, nodes := e.Lab, p.targets.Nodes
	log := e.logger()
	log.Info("inject", "action", req.Action, "targets", lab.Summarize(nodes))
	var faults []NodeFault
	var err error
	switch req.Action {
	case ActHalt:
		return nil, e.wrap(req, e.Machines.Halt(ctx, l, nodes, req.Force))
	case ActReload:
		return nil, e.wrap(req, e.Machines.Reload(ctx, l, nodes))
	case ActUp:
		return nil, e.wrap(req, e.Machines.Up(ctx, l, nodes, lab.UpOptions{Parallel: 10}))
	case ActKillAgent:
		return nil, e.onNodes(ctx, req, nodes, e.Agent.KillScript())
	case ActStopAgent:
		return nil, e.onNodes(ctx, req, nodes, e.Agent.StopScript())
	case ActStartAgent:
		return nil, e.onNodes(ctx, req, nodes, e.Agent.StartScript())
	case ActRestartAgent: // stopped already by stopUntilGone
		return nil, e.onNodes(ctx, req, nodes, e.Agent.StartScript())
	case ActEvent:
		return nil, e.onEach(ctx, req, nodes, func(n string) string { return e.Agent.EventCmd(n, nonce) })
	case ActHeal:
		res := e.faulter().Heal(ctx, filter(nodes, func(n string) bool { return slices.Contains(p.running, n) }))
		return mechanisms(res), e.wrap(req, AppliedErr(res))
	case ActPartition:
		faults, err = PlanPartition(l, p.groupA, p.groupB, req.Scope, req.Ports)
	case ActIsolate:
		faults, err = PlanIsolate(l, nodes, req.Scope, req.Ports)
	case ActLoss:
		faults, err = PlanLoss(l, nodes, req.Percent, req.Scope, req.Ports)
	case ActDelay:
		faults, err = PlanDelay(nodes, req.Delay)
	default:
		return nil, fmt.Errorf("action %s cannot be injected", req.Action)
	}
	if err != nil {
		return nil, err
	}
	// Only running nodes can take rules; a partition's rules on the running
	// side still drop the traffic of a node of the other side that boots.
	faults = slices.DeleteFunc(faults, func(f NodeFault) bool { return !slices.Contains(p.running, f.Node) })
	res := e.faulter().Apply(ctx, faults, req.Mechanism)
	return mechanisms(res), e.wrap(req, AppliedErr(res))
}

// reach runs a no-op on nodes so that the shell's connection to each (an
// SSH master) is up before the injection instant is read: the handshake
// is then not part of what is measured. Failures are left to the
// injection to report.
func (e *Engine) reach(ctx context.Context, nodes []string) {
	forEach(len(nodes), e.Parallel, func(i int) { _, _ = e.Shell.Run(ctx, nodes[i], "true", nil) })
}

func (e *Engine) wrap(req Request, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", req.Action, err)
	}
	return nil
}

func (e *Engine) onNodes(ctx context.Context, req Request, nodes []string, script string) error {
	return e.onEach(ctx, req, nodes, func(string) string { return script })
}

// onEach runs script(node) on each of nodes, in parallel.
func (e *Engine) onEach(ctx context.Context, req Request, nodes []string, script func(node string) string) error {
	errs := make([]error, len(nodes))
	forEach(len(nodes), e.Parallel, func(i int) {
		if _, err := e.Shell.Run(ctx, nodes[i], script(nodes[i]), nil); err != nil {
			errs[i] = fmt.Errorf("%s: %w", nodes[i], err)
		}
	})
	return e.wrap(req, errors.Join(errs...))
}

func mechanisms(as []Applied) map[string]string {
	out := map[string]string{}
	for _, a := range as {
		if a.Mechanism != "" {
			out[a.Node] = string(a.Mechanism)
		}
	}
	return out
}

// profile is the agents' memberlist profile, for the default timeout.
func (e *Engine) profile() string { return e.Agent.Flavour.Profile(e.Lab.Spec.Agent.Profile) }

func (e *Engine) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func filter(names []string, keep func(string) bool) []string {
	var out []string
	for _, n := range names {
		if keep(n) {
			out = append(out, n)
		}
	}
	return out
}
