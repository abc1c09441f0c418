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
	"github.com/gossiplab/gossiplab/provision"
)

// Views maps each node to how its agent sees every member (name -> status);
// a node whose agent did not answer is absent.
type Views map[string]map[string]string

// describe words disagreements as chaos reports them.
func describe(ds []provision.Disagreement) []string {
	var out []string
	for _, d := range ds {
		if d.NoAnswer != nil {
			out = append(out, d.Observer+": agent does not answer")
			continue
		}
		if len(d.NotAlive) > 0 {
			missing := make([]string, len(d.NotAlive))
			for i, m := range d.NotAlive {
				missing[i] = m.Name
			}
			out = append(out, fmt.Sprintf("%s: not alive: %s", d.Observer, lab.Summarize(missing)))
		}
		if len(d.Silent) > 0 {
			out = append(out, fmt.Sprintf("%s: alive, but its agent was stopped: %s", d.Observer, strings.Join(slices.Sorted(slices.Values(d.Silent)), ", ")))
		}
		if len(d.Extra) > 0 {
			out = append(out, fmt.Sprintf("%s: alive but not running: %s", d.Observer, strings.Join(slices.Sorted(slices.Values(d.Extra)), ", ")))
		}
	}
	return out
}

// list turns the views of nodes into provision's form, in nodes' order;
// a node without a view did not answer.
func (v Views) list(nodes []string) []provision.View {
	out := make([]provision.View, len(nodes))
	for i, n := range nodes {
		out[i] = provision.View{Node: n}
		view, ok := v[n]
		if !ok {
			out[i].Err = errNoAnswer
			continue
		}
		for m, st := range view {
			out[i].Members = append(out[i].Members, provision.Member{Name: m, Status: st})
		}
	}
	return out
}

var errNoAnswer = errors.New("agent does not answer")

// viewsOf turns provision's views into chaos's; a node whose agent did
// not answer is left out.
func viewsOf(list []provision.View) Views {
	out := Views{}
	for _, v := range list {
		if v.Err != nil {
			continue
		}
		view := map[string]string{}
		for _, m := range v.Members {
			view[m.Name] = m.Status
		}
		out[v.Node] = view
	}
	return out
}

func (e *Engine) parallel() int {
	if e.Parallel > 0 {
		return e.Parallel
	}
	return defaultParallel
}

// ReadViews asks each node's agent for its members.
func (e *Engine) ReadViews(ctx context.Context, nodes []string) Views {
	return viewsOf(provision.ReadViews(ctx, e.Shell, e.Agent.MembersCmd(), nodes, e.parallel()))
}

// Wait runs a wait step: sleep for req.For, or wait until every running
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
	running, err := e.runningNodes(ctx)
	if err != nil {
		return err
	}
	up := filter(running, func(n string) bool { return !slices.Contains(req.AgentsDown, n) })
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err = provision.WaitConverged(wctx, e.Shell, e.Agent.MembersCmd(), up, up, provision.WaitOptions{
		Poll: e.Poll, Parallel: max(e.parallel(), len(up)), Strict: true, Running: running,
		WaitCmd: e.Agent.MembersWaitCmd(),
		Format: func(views []provision.View, expected []string) []string {
			return describe(provision.Assess(views, expected, running, true))
		},
	})
	var nc *provision.NotConvergedError
	if errors.As(err, &nc) {
		return hint.Errorf("look with `lab members --matrix`; raise --timeout", "wait converged: not converged after %s:\n  %s", timeout, strings.Join(nc.Problems, "\n  "))
	}
	return err
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
