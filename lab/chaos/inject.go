package chaos

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gossiplab/gossiplab/lab"
)

// This file does a step to the lab: the provider's actions, the agent's
// scripts, and network faults through the Faulter.

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
		res := e.faulter().Heal(ctx, filter(nodes, p.isRunning))
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
	faults = slices.DeleteFunc(faults, func(f NodeFault) bool { return !p.isRunning(f.Node) })
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
