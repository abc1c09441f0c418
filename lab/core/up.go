package core

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// writeLabFile writes lab.hcl from the spec, in a directory that has
// none.
func (c *Lab) writeLabFile() error {
	text, err := lab.RenderLabFile(c.Spec)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.Paths.Dir, 0o755); err != nil {
		return fmt.Errorf("create lab directory: %w", err)
	}
	return atomicfile.WriteFile(c.Paths.LabFile(), text, 0o644)
}

// RenderFiles writes the files the provider generates from the lab file
// (the Vagrantfile), refusing to overwrite one its owner edited unless
// force. It returns what it did per file: created, updated, unchanged,
// replaced.
func (c *Lab) RenderFiles(force bool) (map[string]string, error) {
	gen, ok := c.Provider.(lab.Generator)
	if !ok {
		return nil, nil
	}
	files, err := gen.Generate(c.Lab)
	if err != nil {
		return nil, err
	}
	done := map[string]string{}
	for _, f := range files {
		what, err := lab.WriteGenerated(c.Paths, f, force, c.now())
		if err != nil {
			return done, err
		}
		done[f.Name] = what
	}
	return done, nil
}

// NotFitError is a lab that does not fit this host: the plan says why.
type NotFitError struct{ Report lab.PlanReport }

func (e *NotFitError) Error() string {
	return fmt.Sprintf("lab %s does not fit this host (see the plan above)", e.Report.Lab)
}

// Plan checks the lab against this host; the SSH ports of the lab's own
// nodes that exist count as free, since the lab holds them.
func (c *Lab) Plan(ctx context.Context) lab.PlanReport {
	facts := lab.GatherHostFacts(ctx)
	facts.LabPorts, facts.Dir = map[int]bool{}, c.Paths.Dir
	if st, err := c.Status(ctx); err == nil {
		for _, s := range st {
			if n, ok := c.Node(s.Node); ok && s.State != lab.StateNotCreated {
				facts.LabPorts[n.SSHPort] = true
			}
		}
	}
	planner, _ := c.Provider.(lab.Planner)
	return lab.Plan(ctx, c.Spec, facts, planner)
}

// CheckFits runs the planner and returns a *NotFitError when the lab does
// not fit.
func (c *Lab) CheckFits(ctx context.Context) error {
	defer c.timed("plan")()
	if r := c.Plan(ctx); !r.Fits {
		return hint.Wrap(&NotFitError{Report: r}, "change lab.hcl as the plan says, then lab up again")
	}
	return nil
}

// checkMoved refuses to act on a lab whose lab.hcl gives nodes that exist
// other addresses than the ones they were made with (a new subnet or
// first_host): a node keeps its address (netns: its eth1 and the sshd
// bound to it; Vagrant: until a reload), so booting, provisioning or
// reloading it would only time out.
func (c *Lab) checkMoved(ctx context.Context) error {
	var moved []string
	for _, n := range c.Nodes {
		if o := c.state.st.Node(n.Name); o != nil && o.IP != n.IP.String() {
			moved = append(moved, fmt.Sprintf("%s %s -> %v", n.Name, o.IP, n.IP))
		}
	}
	if len(moved) == 0 {
		return nil
	}
	st, err := c.Status(ctx)
	if err != nil {
		return nil
	}
	exists := map[string]bool{}
	for _, s := range st {
		exists[s.Node] = s.State != lab.StateNotCreated && s.State != lab.StateUnknown
	}
	var existing []string
	for _, m := range moved {
		if name, _, _ := strings.Cut(m, " "); exists[name] {
			existing = append(existing, m)
		}
	}
	if len(existing) == 0 {
		return nil
	}
	if len(existing) > 3 {
		existing = append(existing[:3], fmt.Sprintf("and %d more", len(existing)-3))
	}
	return hint.Errorf("lab destroy --force, then lab up, re-creates the nodes with the new addresses; or put subnet and first_host back as they were",
		"lab.hcl gives nodes that exist new addresses (%s), but a node keeps the address it was made with", strings.Join(existing, ", "))
}

// Up creates and boots every node, parallel at a time, and waits until
// each one's SSH server answers; nodes that run are only checked. It is
// re-runnable: after Ctrl-C or a crash it finishes the job.
func (c *Lab) Up(ctx context.Context, parallel int) ([]lab.NodeStatus, error) {
	defer c.timed("boot")()
	if parallel <= 0 {
		parallel = lab.ParallelOf(c.Provider)
	}
	if err := c.stateErr(); err != nil {
		return nil, err
	}
	if err := c.checkMoved(ctx); err != nil {
		return nil, err
	}
	if err := c.saveState(); err != nil { // an interrupted up leaves a record
		return nil, err
	}
	nodes := c.NodeNames()
	err := c.withProgress(len(nodes), upPhases, func(step func(string, lab.Phase)) error {
		return c.Provider.Up(ctx, c.Lab, nodes, lab.UpOptions{Parallel: parallel, Progress: step})
	})
	return c.afterAction(ctx, "lab up", "run lab up again to finish, or lab destroy to remove what was made", nodes, lab.StateRunning, err)
}

// upPhases are the phases lab up shows, in order.
var upPhases = []lab.Phase{lab.PhaseBooted, lab.PhaseSSHReachable}

// afterAction records the nodes' states after an action on nodes: what
// a successful action leaves them in (want), or the provider's word after
// a failure or an interruption. It saves the state: the end of a phase.
func (c *Lab) afterAction(ctx context.Context, what, resume string, nodes []string, want lab.NodeState, err error) ([]lab.NodeStatus, error) {
	var st []lab.NodeStatus
	var serr error
	if err == nil && ctx.Err() == nil && want != "" && c.status != nil {
		c.setStatus(nodes, want)
		st = c.status
	} else {
		st, serr = c.refreshStatus(ctx)
	}
	for _, n := range nodes {
		if want == lab.StateNotCreated || want == lab.StateHalted {
			c.pool.Drop(n) // a node that comes back has a new sshd
		}
	}
	serr = errors.Join(serr, c.saveState())
	switch {
	case ctx.Err() != nil:
		return st, Interrupted(what, resume)
	case err != nil:
		if serr != nil {
			c.log.Debug("recording node states failed too", "err", serr)
		}
		return st, err
	}
	return st, serr
}

// withProgress runs fn with a progress step function over total nodes.
func (c *Lab) withProgress(total int, phases []lab.Phase, fn func(step func(string, lab.Phase)) error) error {
	pr := c.opts.Progress
	if pr == nil {
		return fn(func(string, lab.Phase) {})
	}
	pr.Start(total, phases)
	defer pr.Finish()
	return fn(pr.Step)
}

// Leftovers lists what the provider holds for the lab beyond its nodes:
// after nodes was lowered in lab.hcl, the dropped nodes run on and their
// agents stay members of the cluster.
func (c *Lab) Leftovers(ctx context.Context) []string {
	lf, ok := c.Provider.(lab.LeftoverFinder)
	if !ok {
		return nil
	}
	left, err := lf.Leftovers(ctx, c.Lab)
	if err != nil {
		return nil
	}
	return left
}
