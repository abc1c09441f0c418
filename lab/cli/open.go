package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/core"
)

// coreOptions are what the use cases get from main; lock names the
// command for the lab's lock ("" for a read-only command).
func (e *Env) coreOptions(cmd *cobra.Command, lock string) core.Options {
	allowPower, _ := cmd.Flags().GetBool("allow-power") // false where the command lacks it
	return core.Options{Providers: e.Providers, Logger: e.Logger, Now: e.Now, Lock: lock,
		Progress: newProgress(cmd.Context(), e), SelfAgent: e.SelfAgent, AllowPower: allowPower}
}

// openLab opens the lab of the command's directory, for the commands
// that act on a lab that exists (all but init, plan and up).
func openLab(cmd *cobra.Command, env *Env, lock string) (*core.Lab, error) {
	l, err := core.Open(cmd.Context(), labDir(cmd), env.coreOptions(cmd, lock))
	return l, noLabHint(err)
}

// noLabHint says, for a directory without lab.hcl, how to make one or
// name another.
func noLabHint(err error) error {
	if errors.Is(err, lab.ErrNoLab) {
		return hint.Wrap(err, "run lab up --nodes N there to make one, or pass --dir")
	}
	return err
}

// selectNodes resolves node selectors, or every node with all; naming no
// node at all is an error.
func selectNodes(l *lab.Lab, args []string, all bool) ([]string, error) {
	if !all && len(args) == 0 {
		return nil, hint.Errorf("name nodes ("+lab.Summarize(l.NodeNames())+"), e.g. web_3, web_[1-5], 'web_*', or pass --all", "no nodes named")
	}
	return l.Select(args, all)
}
