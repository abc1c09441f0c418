package chaos

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
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
	// FollowJournals follows each observer's journal as it grows
	// (`journal -follow`, over a Shell that is a Streamer) instead of
	// reading it again every Poll: what a lab of hundreds of nodes needs.
	FollowJournals bool
	// Predictor forecasts each step with the simulator for its default
	// wait; nil: the engine makes one on first use.
	Predictor *Predictor
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

// Do runs one step (not wait) and returns its measured summary. stream
// separates the random draws of scenario steps that share a seed. When ctx
// ends during the wait, the summary holds what was seen so far, and the
// error is ctx's.
func (e *Engine) Do(ctx context.Context, req Request, stream uint64) (*Summary, error) {
	p, err := e.plan(ctx, req, stream)
	if err != nil {
		return nil, &NotInjectedError{Err: err}
	}
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
	w, clocks, err := e.startWatch(ctx, p.observers, e.Machines.Info().SharedClock, nonce)
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
		if err := e.healWait(ctx, req, p); err != nil {
			return nil, err
		}
	}
	res, werr := e.await(ctx, req, p, injected, journals, clocks, w)
	return e.summary(req, p, injected, mech, res, werr), werr
}

// healWait sets a heal's wait once the observers' expectations say
// what the partition was: the simulator's heal of it. The faults are
// removed already: a failed forecast is only logged, and the profile
// rule applies.
func (e *Engine) healWait(ctx context.Context, req Request, p *plan) error {
	if req.Timeout != 0 || len(p.expect) == 0 {
		return nil
	}
	w, err := e.stepWait(ctx, req, healFault(len(p.running), p.expect))
	if err != nil {
		e.logger().Warn("heal: no forecast, waiting the profile's bound", "err", err)
		return nil
	}
	p.wait, p.timeout = w, w.Base
	return ctx.Err()
}

// summary is the record of a step that Do measured: res, with what the
// reader needs to read it (the mechanism of a network fault, a
// partition's groups, why nothing was measured, or when the measurement
// was interrupted: werr is not nil).
func (e *Engine) summary(req Request, p *plan, injected time.Time, mech map[string]string, res Result, werr error) *Summary {
	info := e.Machines.Info()
	s := NewSummary(e.Lab, info.Name, info.SharedClock, req, p.targets, injected, p.timeout, res)
	s.Agent = e.Agent.name()
	s.AgentProfile = e.profile()
	if req.Action.Expects() != ExpectNone {
		s.Wait = p.wait.record(p.timeout)
	}
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
	return s
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

// runningNodes lists the nodes the provider reports running, in the
// lab's order.
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
	sortInLabOrder(e.Lab, out)
	return out, nil
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
