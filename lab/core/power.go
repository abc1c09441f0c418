package core

import (
	"context"
	"fmt"
	"strings"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/chaos"
)

// PowerError is a halt, reload or boot refused because the nodes are real
// machines (lab.ProviderInfo.RealMachines) and the user did not allow
// powering them (Options.AllowPower).
type PowerError struct {
	Action, Provider string
	// Targets names the nodes (a summary, or the selectors given).
	Targets string
}

func (e *PowerError) Error() string {
	return fmt.Sprintf("%s %s: real machines of provider %s, which lab powers off or reboots only when allowed",
		e.Action, e.Targets, e.Provider)
}

// Hint says how to go on.
func (e *PowerError) Hint() string {
	return "pass --allow-power to let lab power them off or reboot them; lab chaos kill-agent, stop-agent and partition break the cluster without touching the machines"
}

// checkPower refuses to act on the power of real machines unless the
// user allowed it.
func (c *Lab) checkPower(action string, nodes []string) error {
	return c.powerError(action, lab.Summarize(nodes))
}

// powerError is the refusal of action on targets, or nil when the nodes
// are not real machines or the user allowed it.
func (c *Lab) powerError(action, targets string) error {
	info := c.Provider.Info()
	if !info.RealMachines || c.opts.AllowPower {
		return nil
	}
	return &PowerError{Action: action, Provider: info.Name, Targets: targets}
}

// CheckChaosPower refuses, before anything is done, a chaos step that
// would power real machines (halt, reload, up) unless the user allowed
// it.
func (c *Lab) CheckChaosPower(req chaos.Request) error {
	if !req.Action.ByProvider() {
		return nil
	}
	targets := strings.Join(req.Targets.Selectors, " ")
	if targets == "" {
		targets = "its targets"
	}
	return c.powerError(string(req.Action), targets)
}

// CheckScenarioPower is CheckChaosPower for every step of sc.
func (c *Lab) CheckScenarioPower(sc *chaos.Scenario) error {
	for _, st := range sc.Steps {
		if err := c.CheckChaosPower(st.Req); err != nil {
			return fmt.Errorf("%s:%d: %w", sc.Name, st.Line, err)
		}
	}
	return nil
}

// machines is the provider as lab chaos acts on it: on real machines,
// halt, reload and up are refused unless the user allowed them.
func (c *Lab) machines() chaos.Machines {
	if !c.Provider.Info().RealMachines || c.opts.AllowPower {
		return c.Provider
	}
	return guardedMachines{Machines: c.Provider, c: c}
}

// guardedMachines refuses what would power real machines.
type guardedMachines struct {
	chaos.Machines
	c *Lab
}

func (g guardedMachines) Halt(_ context.Context, _ *lab.Lab, nodes []string, _ bool) error {
	return g.c.checkPower("halt", nodes)
}

func (g guardedMachines) Reload(_ context.Context, _ *lab.Lab, nodes []string) error {
	return g.c.checkPower("reload", nodes)
}

func (g guardedMachines) Up(_ context.Context, _ *lab.Lab, nodes []string, _ lab.UpOptions) error {
	return g.c.checkPower("up", nodes)
}

var _ hint.Hinter = (*PowerError)(nil)
