package cli

import (
	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/core"
)

type reloadFlags struct {
	all bool
}

func newReloadCommand(env *Env) *cobra.Command {
	f := &reloadFlags{}
	cmd := &cobra.Command{
		Use:   "reload NODES",
		Short: "Halt then boot nodes",
		Long: `reload halts the named nodes gracefully and boots them again; their files
(what provisioning installed) are kept, as on a rebooted VM.`,
		Example: `  lab reload web_3
  lab reload 'web_*'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return changeNodes(cmd, env, args, f.all, "lab reload", func(l *core.Lab, nodes []string) ([]lab.NodeStatus, error) {
				return l.Reload(cmd.Context(), nodes)
			})
		},
	}
	cmd.Flags().BoolVar(&f.all, "all", false, "every node of the lab")
	cmd.Flags().Bool("allow-power", false, "let lab reboot nodes that are real machines")
	return cmd
}
