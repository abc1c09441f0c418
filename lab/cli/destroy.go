package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/lab"
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
	l, err := loadLab(cmd)
	if err != nil {
		return err
	}
	prov, err := providerOf(env, l)
	if err != nil {
		return err
	}
	if !f.force {
		in, ok := env.Streams.In.(*os.File)
		if !ok || !isTerminal(in) {
			return fmt.Errorf("lab destroy removes %d nodes of lab %s and wants a confirmation\nhint: pass --force", len(l.Nodes), l.Spec.Name)
		}
		fmt.Fprintf(env.Streams.Err, "destroy lab %s (%d nodes, %s) and everything on its nodes? [y/N] ", l.Spec.Name, len(l.Nodes), l.Spec.Provider)
		answer, _ := bufio.NewReader(in).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return errors.New("not destroyed")
		}
	}
	lock, err := lab.AcquireLock(l.Paths, "lab destroy")
	if err != nil {
		return err
	}
	defer lock.Release()
	err = prov.Destroy(cmd.Context(), l)
	_, serr := recordStatus(cmd.Context(), env, l, prov)
	if cmd.Context().Err() != nil {
		return interrupted("lab destroy", "run lab destroy again: it removes what is left")
	}
	if err != nil || serr != nil {
		return firstErr(env, err, serr)
	}
	if err := os.Remove(l.Paths.KnownHosts()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove pinned host keys: %w", err)
	}
	fmt.Fprintf(env.Streams.Out, "lab %s: destroyed\n", l.Spec.Name)
	return nil
}
