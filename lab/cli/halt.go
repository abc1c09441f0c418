package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/lab"
)

type haltFlags struct {
	force bool
	all   bool
}

func newHaltCommand(env *Env) *cobra.Command {
	f := &haltFlags{}
	cmd := &cobra.Command{
		Use:   "halt NODES",
		Short: "Stop nodes: gracefully, or at once with --force (pulling the power)",
		Long: `halt stops the named nodes. Nodes are exact names, comma lists, numeric
ranges (web_[1-5]) or globs ('web_*'); --all names every node.`,
		Example: `  lab halt web_3
  lab halt --force 'web_[6-10]'
  lab halt --all`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return changeNodes(cmd, env, args, f.all, "lab halt", func(l *lab.Lab, prov lab.Provider, nodes []string) error {
				return prov.Halt(cmd.Context(), l, nodes, f.force)
			})
		},
	}
	cmd.Flags().BoolVarP(&f.force, "force", "f", false, "kill at once instead of a graceful shutdown")
	cmd.Flags().BoolVar(&f.all, "all", false, "every node of the lab")
	return cmd
}

// changeNodes is the frame of the commands that change some nodes' state:
// select the nodes, take the lab's lock, act, record every node's state,
// and report it.
func changeNodes(cmd *cobra.Command, env *Env, args []string, all bool, what string,
	act func(l *lab.Lab, prov lab.Provider, nodes []string) error) error {
	l, err := loadLab(cmd)
	if err != nil {
		return err
	}
	nodes, err := selectNodes(l, args, all)
	if err != nil {
		return err
	}
	prov, err := providerOf(env, l)
	if err != nil {
		return err
	}
	lock, err := lab.AcquireLock(l.Paths, what)
	if err != nil {
		return err
	}
	defer lock.Release()
	if err := checkMoved(cmd.Context(), l, prov); err != nil {
		return err
	}
	err = act(l, prov, nodes)
	statuses, serr := recordStatus(cmd.Context(), env, l, prov)
	if cmd.Context().Err() != nil {
		return interrupted(what, "run it again; lab status shows where the nodes are")
	}
	if err != nil || serr != nil {
		return firstErr(env, err, serr)
	}
	picked := map[string]bool{}
	for _, n := range nodes {
		picked[n] = true
	}
	for _, s := range statuses {
		if picked[s.Node] {
			fmt.Fprintf(env.Streams.Out, "%s: %s\n", s.Node, s.State)
		}
	}
	return nil
}
