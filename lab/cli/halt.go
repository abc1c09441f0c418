package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/core"
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
			return changeNodes(cmd, env, args, f.all, "lab halt", func(l *core.Lab, nodes []string) ([]lab.NodeStatus, error) {
				return l.Halt(cmd.Context(), nodes, f.force)
			})
		},
	}
	cmd.Flags().BoolVarP(&f.force, "force", "f", false, "kill at once instead of a graceful shutdown")
	cmd.Flags().BoolVar(&f.all, "all", false, "every node of the lab")
	cmd.Flags().Bool("allow-power", false, "let lab power off nodes that are real machines")
	return cmd
}

// changeNodes is the frame of the commands that change some nodes' state:
// select the nodes under the lab's lock, act, and report their states.
func changeNodes(cmd *cobra.Command, env *Env, args []string, all bool, what string,
	act func(l *core.Lab, nodes []string) ([]lab.NodeStatus, error)) error {
	l, err := openLab(cmd, env, what)
	if err != nil {
		return err
	}
	defer l.Close()
	nodes, err := selectNodes(l.Lab, args, all)
	if err != nil {
		return err
	}
	statuses, err := act(l, nodes)
	if err != nil {
		return err
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
