package core

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/gossiplab/gossiplab/lab"
)

// Halt stops nodes: gracefully, or at once with force (pulling the
// power). It returns every node's state after.
func (c *Lab) Halt(ctx context.Context, nodes []string, force bool) ([]lab.NodeStatus, error) {
	if err := c.checkPower("halt", nodes); err != nil {
		return nil, err
	}
	if err := c.checkMoved(ctx); err != nil {
		return nil, err
	}
	err := c.Provider.Halt(ctx, c.Lab, nodes, force)
	return c.afterAction(ctx, "lab halt", "run it again; lab status shows where the nodes are", nodes, lab.StateHalted, err)
}

// Reload halts nodes gracefully and boots them again; their files are
// kept, as on a rebooted VM.
func (c *Lab) Reload(ctx context.Context, nodes []string) ([]lab.NodeStatus, error) {
	if err := c.checkPower("reload", nodes); err != nil {
		return nil, err
	}
	if err := c.checkMoved(ctx); err != nil {
		return nil, err
	}
	for _, n := range nodes {
		c.pool.Drop(n) // it comes back with a new sshd
	}
	err := c.Provider.Reload(ctx, c.Lab, nodes)
	return c.afterAction(ctx, "lab reload", "run it again; lab status shows where the nodes are", nodes, lab.StateRunning, err)
}

// Destroy removes every node and everything the provider made for the
// lab, found by name, also what a crashed lab up left. It needs no state:
// an unreadable state file is replaced by a fresh one, and the pinned
// host keys go, since the nodes get new ones (real machines keep theirs,
// and their pins stay).
func (c *Lab) Destroy(ctx context.Context) error {
	if err := c.pool.Close(); err != nil {
		c.log.Debug("close ssh connections", "err", err)
	}
	err := c.Provider.Destroy(ctx, c.Lab)
	if ctx.Err() != nil {
		c.state.replace = c.state.err != nil
		_, _ = c.afterAction(ctx, "lab destroy", "", c.NodeNames(), "", nil)
		return Interrupted("lab destroy", "run lab destroy again: it removes what is left")
	}
	if err != nil {
		_, _ = c.afterAction(ctx, "lab destroy", "", c.NodeNames(), "", nil)
		return err
	}
	// Nothing is left: the record says so without asking the provider.
	fresh := lab.NewState(c.Lab)
	c.state.st, c.state.err, c.state.dirty = fresh, nil, true
	c.status = nil
	if c.Provider.Info().RealMachines { // they stay, and so do their keys
		return c.saveState()
	}
	if err := os.Remove(c.Paths.KnownHosts()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove pinned host keys: %w", err)
	}
	return c.saveState()
}

// RecordStatus asks the provider for every node's state and records it
// (after chaos halted, reloaded or booted nodes behind the session's
// back).
func (c *Lab) RecordStatus(ctx context.Context) error {
	if _, err := c.refreshStatus(ctx); err != nil {
		return err
	}
	return c.saveState()
}
