package chaos

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/provision"
)

// Views maps each node to how its agent sees every member (name -> status);
// a node whose agent did not answer is absent.
type Views map[string]map[string]string

// Converged reports whether every running node's agent answers and sees
// exactly the running nodes alive, and lists the disagreements otherwise.
func Converged(v Views, running []string) (bool, []string) {
	return converged(v, running, running)
}

// ConvergedWithout is Converged for the running nodes but down, whose
// agents were stopped on purpose: they count as down, converged once no
// one sees them alive.
func ConvergedWithout(v Views, running, down []string) (bool, []string) {
	return converged(v, filter(running, func(n string) bool { return !slices.Contains(down, n) }), running)
}

// converged checks that every node of up answers and sees exactly up
// alive; a running node outside up seen alive is reported.
func converged(v Views, up, running []string) (bool, []string) {
	var diffs []string
	for _, n := range up {
		view, ok := v[n]
		if !ok {
			diffs = append(diffs, n+": agent does not answer")
			continue
		}
		var missing, silent, extra []string
		for _, m := range up {
			if view[m] != "alive" {
				missing = append(missing, m)
			}
		}
		for m, st := range view {
			switch {
			case st != "alive" || slices.Contains(up, m):
			case slices.Contains(running, m):
				silent = append(silent, m)
			default:
				extra = append(extra, m)
			}
		}
		slices.Sort(silent)
		slices.Sort(extra)
		if len(missing) > 0 {
			diffs = append(diffs, fmt.Sprintf("%s: not alive: %s", n, lab.Summarize(missing)))
		}
		if len(silent) > 0 {
			diffs = append(diffs, fmt.Sprintf("%s: alive, but its agent was stopped: %s", n, strings.Join(silent, ", ")))
		}
		if len(extra) > 0 {
			diffs = append(diffs, fmt.Sprintf("%s: alive but not running: %s", n, strings.Join(extra, ", ")))
		}
	}
	return len(diffs) == 0, diffs
}

// ReadViews asks each node's agent for its members.
func (e *Engine) ReadViews(ctx context.Context, nodes []string) Views {
	out := Views{}
	var mu sync.Mutex
	forEach(len(nodes), e.Parallel, func(i int) {
		raw, err := e.Shell.Run(ctx, nodes[i], e.Agent.MembersCmd(), nil)
		if err != nil {
			return
		}
		ms, err := provision.ParseMembers(raw)
		if err != nil {
			return
		}
		view := map[string]string{}
		for _, m := range ms {
			view[m.Name] = m.Status
		}
		mu.Lock()
		out[nodes[i]] = view
		mu.Unlock()
	})
	return out
}

// Wait runs a wait step: sleep for req.For, or poll until every running
// agent sees every running node alive, the nodes of req.AgentsDown
// excepted, which no one may see alive (at most req.Timeout, default 2m).
func (e *Engine) Wait(ctx context.Context, req Request) error {
	if !req.Converged {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(req.For):
			return nil
		}
	}
	timeout := req.Timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	poll := e.Poll
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	deadline := e.now().Add(timeout)
	for {
		running, err := e.runningNodes(ctx)
		if err != nil {
			return err
		}
		ok, diffs := ConvergedWithout(e.ReadViews(ctx, running), running, req.AgentsDown)
		if ok {
			return nil
		}
		if !e.now().Before(deadline) {
			return fmt.Errorf("wait converged: not converged after %s:\n  %s\nhint: look with `lab members --matrix`; raise --timeout", timeout, strings.Join(diffs, "\n  "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// stopUntilGone is the first half of restart-agent: stop the targets'
// agents (they leave), then wait until every observer's agent no longer
// lists them alive, at most the step's timeout. The measured event is the
// start that follows. A bare `systemctl restart` can outrun the leave:
// an observer that never saw the agent go has no change to record, and
// the restart would not be one event that every survivor observes.
func (e *Engine) stopUntilGone(ctx context.Context, req Request, p *plan) error {
	if err := e.onNodes(ctx, req, p.targets.Nodes, e.Agent.StopScript()); err != nil {
		return &NotInjectedError{Err: err}
	}
	poll := e.Poll
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	deadline := e.now().Add(p.timeout)
	for {
		views := e.ReadViews(ctx, p.observers)
		gone := true
		for _, o := range p.observers {
			for _, t := range p.targets.Nodes {
				if views[o][t] == "alive" {
					gone = false
				}
			}
		}
		if gone || !e.now().Before(deadline) {
			if !gone {
				e.logger().Warn("restart-agent: some observers still list the stopped agents alive; starting them anyway", "targets", lab.Summarize(p.targets.Nodes))
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}
