package core

import (
	"cmp"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/provision"
)

// ProvisionOptions say what to install and how.
type ProvisionOptions struct {
	Flavour provision.Flavour // "" is labagent
	// AgentBinary is a linux agent binary to install instead of the
	// bundled one (required for a flavour lab does not carry).
	AgentBinary string
	// Constraint is the version a supplied binary must meet (default:
	// the flavour's).
	Constraint string
	Force      bool
	// Timeout bounds each node, SSH connection retries included.
	Timeout  time.Duration
	Parallel int
	// ForgetHostKeys forgets the nodes' pinned host keys first (they were
	// re-created).
	ForgetHostKeys bool
}

// NoAgentError is a provision that found no agent binary to install.
type NoAgentError struct{ Err error }

func (e *NoAgentError) Error() string { return e.Err.Error() }
func (e *NoAgentError) Unwrap() error { return e.Err }

// provisionPhases are the steps the progress shows.
var provisionPhases = []lab.Phase{lab.Phase(provision.StepConnected), lab.Phase(provision.StepDone)}

// Provision installs, configures and starts the agent on nodes, Parallel
// at a time, over the session's SSH connections. Nodes that are not
// running fail at once. It returns one result per node, in nodes' order,
// and records what each node runs in the lab's state.
func (c *Lab) Provision(ctx context.Context, nodes []string, o ProvisionOptions) ([]provision.Result, error) {
	defer c.timed("provision")()
	if err := c.stateErr(); err != nil {
		return nil, err
	}
	if err := c.checkMoved(ctx); err != nil {
		return nil, err
	}
	if _, err := c.Status(ctx); err != nil { // the provider works before a key is made
		return nil, err
	}
	p, err := c.provisioner(ctx, o)
	if err != nil {
		return nil, err
	}
	if o.ForgetHostKeys {
		if err := provision.NewKnownHosts(c.Paths.KnownHosts()).Forget(nodes...); err != nil {
			return nil, err
		}
		for _, n := range nodes {
			c.pool.Drop(n)
		}
	}
	targets, down, err := c.targets(ctx, nodes)
	if err != nil {
		return nil, err
	}
	var results []provision.Result
	_ = c.withProgress(len(targets), provisionPhases, func(step func(string, lab.Phase)) error {
		p.SetProgress(func(node string, s provision.Step) {
			c.timings.step(node, s, time.Now())
			if s == provision.StepConnected || s == provision.StepDone {
				step(node, lab.Phase(s))
			}
		})
		results = append(p.Run(ctx, targets), down...)
		return nil
	})
	sortResults(nodes, results)
	c.state.recordAgents(p.Layout().Flavour(), results)
	if err := c.saveState(); err != nil {
		return results, err
	}
	if ctx.Err() != nil {
		return results, Interrupted("lab provision", "run lab provision again: it picks up where it stopped")
	}
	return results, provision.Failed(results)
}

// targets pairs the running nodes among nodes with their endpoints; the
// others come back as failed results.
func (c *Lab) targets(ctx context.Context, nodes []string) ([]provision.Target, []provision.Result, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return nil, nil, err
	}
	state := stateOf(st)
	var up []string
	var down []provision.Result
	for _, n := range nodes {
		if state[n] != lab.StateRunning {
			down = append(down, provision.Result{Node: n, Action: provision.ActionFailed, Err: DownError(n, state[n])})
			continue
		}
		up = append(up, n)
	}
	eps, err := c.Provider.SSHEndpoints(ctx, c.Lab, up)
	if err != nil {
		return nil, nil, err
	}
	c.pool.Add(toEndpoints(eps)...)
	targets, err := c.AgentTargets(eps)
	return targets, down, err
}

func (c *Lab) provisioner(ctx context.Context, o ProvisionOptions) (*provision.Provisioner, error) {
	flavour := o.Flavour
	if flavour == "" {
		flavour = provision.FlavourLabagent
	}
	bundle, err := c.agentBundle(ctx, flavour, o.AgentBinary)
	if err != nil {
		return nil, err
	}
	if def := flavour.Constraint(); def != "" { // a binary the user supplies
		bundle.Constraint = cmp.Or(o.Constraint, def)
	}
	var key []byte
	if c.Spec.Agent.Encrypt {
		if key, err = lab.EnsureEncryptKey(c.Paths); err != nil {
			return nil, err
		}
	}
	var place func(ctx context.Context, node, local, sum, remote string) (bool, error)
	if pl, ok := c.Provider.(lab.Placer); ok {
		place = func(ctx context.Context, node, local, sum, remote string) (bool, error) {
			return pl.Place(ctx, c.Lab, node, local, sum, remote)
		}
	}
	return provision.New(provision.Options{
		Place:       place,
		Bundle:      bundle,
		Agent:       c.AgentSettings(key),
		Pool:        c.pool,
		Dial:        provision.DialOptions{Timeout: o.Timeout, Logger: c.log},
		Force:       o.Force,
		Parallel:    cmp.Or(o.Parallel, lab.ParallelOf(c.Provider)),
		NodeTimeout: o.Timeout,
		Logger:      c.log,
	})
}

// agentDir is where lab looks for agent binaries: beside its executable.
func (c *Lab) agentDir() string {
	if c.opts.AgentDir != "" {
		return c.opts.AgentDir
	}
	exe, err := os.Executable()
	if err != nil {
		return "."
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	return filepath.Dir(exe)
}

// sortResults orders results as nodes.
func sortResults(nodes []string, results []provision.Result) {
	pos := map[string]int{}
	for i, n := range nodes {
		pos[n] = i
	}
	slices.SortStableFunc(results, func(a, b provision.Result) int { return pos[a.Node] - pos[b.Node] })
}

// IsNoAgent reports whether err says there was no agent binary.
func IsNoAgent(err error) bool {
	var na *NoAgentError
	return errors.As(err, &na)
}
