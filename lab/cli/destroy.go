package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab/core"
	"github.com/spf13/cobra"
)

type destroyFlags struct {
	force bool
}

func newDestroyCommand(env *Env) *cobra.Command {
	f := &destroyFlags{}
	cmd := &cobra.Command{
		Use:   "destroy",
		Short: "Remove every node and everything the provider made for the lab",
		Long: `destroy removes the lab's nodes with all they hold, and whatever a crashed
or interrupted lab up left behind. lab.hcl and the lab's key stay; the
pinned host keys go, since the nodes get new ones. It asks first on a
terminal; --force does not ask (and is needed when not on a terminal).`,
		Example: `  lab destroy
  lab destroy --force`,
		Args: noArgs(nil),
		RunE: func(cmd *cobra.Command, _ []string) error { return runDestroy(cmd, env, f) },
	}
	cmd.Flags().BoolVarP(&f.force, "force", "f", false, "do not ask for confirmation")
	return cmd
}

func runDestroy(cmd *cobra.Command, env *Env, f *destroyFlags) error {
	l, err := openLab(cmd, env, "lab destroy")
	if err != nil {
		return err
	}
	defer l.Close()
	if err := confirmDestroy(env, l, f.force); err != nil {
		return err
	}
	if werr := l.StateWarning(); werr != nil {
		fmt.Fprintf(env.Streams.Err, "warning: %v; destroying the lab from its names\n", werr)
	}
	if err := l.Destroy(cmd.Context()); err != nil {
		return err
	}
	fmt.Fprintf(env.Streams.Out, "lab %s: destroyed\n", l.Spec.Name)
	return nil
}

// confirmDestroy asks on a terminal; without one, --force is needed.
func confirmDestroy(env *Env, l *core.Lab, force bool) error {
	if force {
		return nil
	}
	what := fmt.Sprintf("%d nodes of lab %s", len(l.Nodes), l.Spec.Name)
	question := fmt.Sprintf("destroy lab %s (%d nodes, %s) and everything on its nodes?", l.Spec.Name, len(l.Nodes), l.Spec.Provider)
	if l.Provider.Info().RealMachines { // they stay; what lab installed goes
		what = fmt.Sprintf("what lab installed on %d machines of lab %s", len(l.Nodes), l.Spec.Name)
		question = fmt.Sprintf("remove %s (%s)? The machines keep running.", what, l.Spec.Provider)
	}
	in, ok := env.Streams.In.(*os.File)
	if !ok || !isTerminal(in) {
		return hint.Errorf("pass --force", "lab destroy removes %s and wants a confirmation", what)
	}
	fmt.Fprintf(env.Streams.Err, "%s [y/N] ", question)
	answer, _ := bufio.NewReader(in).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return errors.New("not destroyed")
	}
	return nil
}
