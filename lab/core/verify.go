package core

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/chaos"
	"github.com/gossiplab/gossiplab/provision"
)

// Converged is a verification that succeeded.
type Converged struct {
	Agents, Nodes int
	Took          time.Duration
}

// Verify waits, at most timeout, until every running node's agent lists
// every running node alive. When the wait ends first, the error is a
// *provision.NotConvergedError holding the last views (which the CLI
// prints as a matrix) and saying who does not see whom.
func (c *Lab) Verify(ctx context.Context, flavour provision.Flavour, timeout time.Duration) (Converged, error) {
	defer c.timed("verify")()
	start := time.Now()
	running, err := c.Running(ctx)
	if err != nil {
		return Converged{}, err
	}
	if err := c.reach(ctx, running); err != nil {
		return Converged{}, err
	}
	vctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	views, err := provision.WaitConverged(vctx, c.pool, c.membersCmd(flavour), running, running, provision.WaitOptions{
		Parallel: len(running), // each observer waits on its node: all at once
		WaitCmd:  chaos.AgentFor(flavour).MembersWaitCmd(),
	})
	if err != nil {
		sortViews(c.NodeNames(), views)
		return Converged{}, err
	}
	return Converged{Agents: len(views), Nodes: len(running), Took: time.Since(start)}, nil
}

// reach makes sure the pool can reach every node of nodes: it asks the
// provider for the endpoints it lacks, all at once.
func (c *Lab) reach(ctx context.Context, nodes []string) error {
	eps, err := c.Provider.SSHEndpoints(ctx, c.Lab, nodes)
	if err != nil {
		return err
	}
	c.pool.Add(toEndpoints(eps)...)
	return nil
}

// membersCmd lists the members of a node's agent as JSON.
func (c *Lab) membersCmd(f provision.Flavour) string {
	return provision.MembersCommand(f.Layout(""), "")
}

// sortViews orders views as the lab's nodes.
func sortViews(order []string, views []provision.View) {
	pos := map[string]int{}
	for i, n := range order {
		pos[n] = i
	}
	slices.SortStableFunc(views, func(a, b provision.View) int { return pos[a.Node] - pos[b.Node] })
}

// Members is one node's view of the cluster: node's, or that of the first
// running node whose agent answers.
func (c *Lab) Members(ctx context.Context, flavour provision.Flavour, node string) (provision.View, error) {
	nodes := c.NodeNames()
	if node != "" {
		nodes = []string{node}
	}
	up, down, err := c.splitDown(ctx, nodes)
	if err != nil {
		return provision.View{}, err
	}
	var errs []error
	for _, v := range down {
		errs = append(errs, v.Err)
	}
	if err := c.reach(ctx, up); err != nil {
		errs = append(errs, err)
		up = nil
	}
	for _, n := range up {
		v := provision.ReadViews(ctx, c.pool, c.membersCmd(flavour), []string{n}, 1)[0]
		if v.Err == nil {
			return v, nil
		}
		errs = append(errs, v.Err)
	}
	return provision.View{}, hint.Wrap(fmt.Errorf("no agent answered: %w", errors.Join(errs...)), "lab status shows which nodes run; lab provision installs the agent")
}

// Matrix is every node's view of the cluster, in lab order; a node that
// does not run, or whose agent does not answer, has a view holding why.
func (c *Lab) Matrix(ctx context.Context, flavour provision.Flavour) ([]provision.View, error) {
	up, down, err := c.splitDown(ctx, c.NodeNames())
	if err != nil {
		return nil, err
	}
	if len(up) == 0 && len(down) > 1 {
		return nil, hint.Errorf("lab up boots them", "no node of lab %s is running (%s)", c.Spec.Name, lab.Summarize(c.NodeNames()))
	}
	views := down
	if len(up) > 0 {
		if err := c.reach(ctx, up); err != nil {
			return nil, err
		}
		views = append(views, provision.ReadViews(ctx, c.pool, c.membersCmd(flavour), up, 64)...)
	}
	sortViews(c.NodeNames(), views)
	return views, nil
}

// splitDown sets apart the nodes the provider reports halted or not
// created, as views saying so, so that nobody waits for their SSH to time
// out. When the provider cannot tell, every node is tried.
func (c *Lab) splitDown(ctx context.Context, nodes []string) (up []string, down []provision.View, err error) {
	st, err := c.Status(ctx)
	if err != nil {
		return nodes, nil, nil
	}
	state := stateOf(st)
	for _, n := range nodes {
		if s := state[n]; IsDown(s) {
			down = append(down, provision.View{Node: n, Err: &NodeDownError{Node: n, State: s}})
			continue
		}
		up = append(up, n)
	}
	return up, down, nil
}

// Endpoints tells how to reach each of nodes over SSH, as far as the
// provider can: Vagrant refuses ssh-config for any machine that is not
// running (and then for all), so those that do not run get their
// assigned address, with no user or key.
func (c *Lab) Endpoints(ctx context.Context, nodes []string) ([]lab.SSHEndpoint, error) {
	eps, err := c.Provider.SSHEndpoints(ctx, c.Lab, nodes)
	if err == nil {
		return eps, nil
	}
	if _, serr := c.Status(ctx); serr != nil {
		return nil, err
	}
	up, _, _ := c.splitDown(ctx, nodes)
	got := map[string]lab.SSHEndpoint{}
	if len(up) > 0 {
		if eps, err := c.Provider.SSHEndpoints(ctx, c.Lab, up); err == nil {
			for _, ep := range eps {
				got[ep.Node] = ep
			}
		}
	}
	out := make([]lab.SSHEndpoint, len(nodes))
	for i, n := range nodes {
		ep, ok := got[n]
		if !ok {
			node, _ := c.Node(n)
			ep = lab.SSHEndpoint{Node: n, Host: "127.0.0.1", Port: node.SSHPort}
		}
		out[i] = ep
	}
	return out, nil
}

// NodeDownError is a node that does not run (halted, not created): its
// agent cannot answer, and nobody should wait for it to.
type NodeDownError struct {
	Node  string
	State lab.NodeState
}

func (e *NodeDownError) Error() string { return fmt.Sprintf("node %q is %s", e.Node, e.State) }
