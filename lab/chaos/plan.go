package chaos

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// This file resolves a step against the lab before anything is done to
// it: its targets, the running nodes among them, its observers and what
// each should notice, and its timeout.

// plan is a step resolved against the lab: targets, observers and what
// each observer should notice.
type plan struct {
	targets   Picked
	groupA    []string
	groupB    []string
	running   []string
	observers []string
	expect    []Expectation
	// wait is the step's wait rule; timeout the wait in effect (wait's
	// base until the observation extends it).
	wait    Wait
	timeout time.Duration
}

// plan resolves req against the lab as it is now; stream separates the
// random draws of a scenario's steps. Nothing is done to the lab.
func (e *Engine) plan(ctx context.Context, req Request, stream uint64) (*plan, error) {
	if req.Action == ActWait {
		return nil, errors.New("wait is a scenario step: use Engine.Wait")
	}
	if err := e.Agent.Supports(req); err != nil {
		return nil, err
	}
	p := &plan{}
	if err := e.pickTargets(req, stream, p); err != nil {
		return nil, err
	}
	var err error
	if p.running, err = e.runningNodes(ctx); err != nil {
		return nil, err
	}
	if err := e.keepUsableTargets(ctx, req.Action, p); err != nil {
		return nil, err
	}
	p.setObservers(req.Action)
	if p.wait, err = e.stepWait(ctx, req, p.fault(req.Action)); err != nil {
		return nil, err
	}
	p.timeout = p.wait.Base
	return p, nil
}

// pickTargets sets p's targets: a partition's two groups, every node for
// heal, else the request's targets (a random pick drawn from stream).
func (e *Engine) pickTargets(req Request, stream uint64, p *plan) error {
	l := e.Lab
	var err error
	switch req.Action {
	case ActPartition:
		if p.groupA, err = l.Select(req.GroupA, false); err != nil {
			return fmt.Errorf("partition group A: %w", err)
		}
		if p.groupB, err = l.Select(req.GroupB, false); err != nil {
			return fmt.Errorf("partition group B: %w", err)
		}
		p.targets = Picked{Nodes: append(slices.Clone(p.groupA), p.groupB...)}
	case ActHeal:
		p.targets = Picked{Nodes: l.NodeNames()}
	default:
		if p.targets, err = req.Targets.Resolve(l, stream, e.seed); err != nil {
			return err
		}
	}
	return nil
}

// keepUsableTargets drops the targets that action a would change nothing
// on (see usableTargets and stoppedAgents), with a warning, and refuses
// when none is left.
func (e *Engine) keepUsableTargets(ctx context.Context, a Action, p *plan) error {
	keep, skipped, err := usableTargets(a, p.targets.Nodes, p.isRunning)
	if err != nil {
		return err
	}
	if len(skipped) > 0 {
		e.logger().Warn("skipping targets in the wrong state", "action", a, "skipped", lab.Summarize(skipped))
		p.targets.Nodes = keep
	}
	if a == ActStartAgent {
		if p.targets.Nodes, err = e.stoppedAgents(ctx, p.targets.Nodes); err != nil {
			return err
		}
	}
	return nil
}

func (p *plan) isRunning(n string) bool { return slices.Contains(p.running, n) }

// setObservers sets who should notice action a, and what: each side of
// a partition the other; after heal, every running node (what each
// should see come back needs its journal: Do sets it after the
// injection); after the other actions, the running nodes that are not
// targets, the targets. An action with nothing to measure has no
// observers.
func (p *plan) setObservers(a Action) {
	switch a {
	case ActPartition:
		ga := filter(p.groupA, p.isRunning)
		gb := filter(p.groupB, p.isRunning)
		p.observers = append(slices.Clone(ga), gb...)
		if len(ga) > 0 && len(gb) > 0 {
			p.expect = CrossSubjects(ga, gb)
		}
	case ActHeal:
		p.observers = p.running
	default:
		p.observers = filter(p.running, func(n string) bool { return !slices.Contains(p.targets.Nodes, n) })
		if a.Expects() != ExpectNone && len(p.observers) > 0 {
			p.expect = SameSubjects(p.observers, p.targets.Nodes)
		}
	}
	if a.Expects() == ExpectNone {
		p.observers = nil
	}
}

// fault is the step as the simulator sees it: the running nodes, the
// running targets, a partition's running sides. A heal's is known only
// once the observers' journals say what each had down (see healFault).
func (p *plan) fault(a Action) Fault {
	f := Fault{N: len(p.running), Action: a}
	switch a {
	case ActPartition:
		f.Sides = [2]int{len(filter(p.groupA, p.isRunning)), len(filter(p.groupB, p.isRunning))}
	case ActHeal:
	case ActUp, ActReload:
		f.Targets = len(p.targets.Nodes)
		f.N = len(filter(p.running, func(n string) bool { return !slices.Contains(p.targets.Nodes, n) })) + f.Targets
	default:
		f.Targets = len(filter(p.targets.Nodes, p.isRunning))
	}
	return f
}

// healFault is a heal as the simulator sees it: the end of a partition
// whose smaller side is what the observer with the most members down
// had down (or the rest: an isolated node had every other down).
func healFault(n int, expect []Expectation) Fault {
	most := 0
	for _, ex := range expect {
		most = max(most, len(ex.Subjects))
	}
	return Fault{N: n, Action: ActHeal, Targets: min(most, n-most)}
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
