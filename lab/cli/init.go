package cli

import (
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/core"
)

type initFlags struct {
	spec  specFlags
	force bool
}

func newInitCommand(env *Env) *cobra.Command {
	f := &initFlags{}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write lab.hcl (when absent) and render the Vagrantfile",
		Long: `init writes lab.hcl from the flags when the directory has none, then renders
the Vagrantfile from it. Run it again after editing lab.hcl to re-render.

A Vagrantfile edited since lab generated it, or one lab did not write, is
not overwritten without --force; with --force a copy is kept in .lab/backup.`,
		Example: `  lab init --nodes 52 --dir /tmp/l52
  lab init --nodes 10 --provider netns`,
		Args: noArgs(nil),
		RunE: func(cmd *cobra.Command, _ []string) error { return runInit(cmd, env, f) },
	}
	f.spec.register(cmd.Flags())
	cmd.Flags().BoolVarP(&f.force, "force", "f", false, "overwrite a Vagrantfile or lab.hcl that its owner changed (a copy is kept)")
	return cmd
}

func runInit(cmd *cobra.Command, env *Env, f *initFlags) error {
	dir := labDir(cmd)
	r, err := f.spec.resolveSpec(cmd.Context(), cmd.Flags(), dir, env.Providers)
	if err != nil {
		return err
	}
	res, err := core.Init(cmd.Context(), dir, r.spec, core.InitOptions{HasFile: r.hasFile, FromFlags: r.anyFlags(), Force: f.force}, env.coreOptions(cmd, "lab init"))
	if err != nil {
		return err
	}
	out := env.Streams.Out
	fmt.Fprintf(out, "lab.hcl: %s\n", res.LabFile)
	for _, n := range r.notes {
		fmt.Fprintf(out, "  %s\n", n)
	}
	for _, name := range slices.Sorted(maps.Keys(res.Files)) {
		fmt.Fprintf(out, "%s: %s\n", name, res.Files[name])
	}
	l := lab.New(dir, r.spec)
	first, last := l.Nodes[0], l.Nodes[len(l.Nodes)-1]
	if r.spec.Listed() {
		fmt.Fprintf(out, "lab %s: %d listed nodes on %s: %s, IPs %v .. %v\n",
			r.spec.Name, r.spec.Nodes, r.spec.Provider, lab.Summarize(l.NodeNames()), first.IP, last.IP)
	} else {
		fmt.Fprintf(out, "lab %s: %d nodes on %s: %s .. %s, IPs %v .. %v, SSH on 127.0.0.1:%d .. %d\n",
			r.spec.Name, r.spec.Nodes, r.spec.Provider, first.Name, last.Name, first.IP, last.IP, first.SSHPort, last.SSHPort)
	}
	fmt.Fprintf(out, "next: lab plan%s to check it fits this host, then lab up\n", dirArg(cmd))
	return nil
}

func dirArg(cmd *cobra.Command) string {
	if d := labDir(cmd); d != "." {
		return " --dir " + d
	}
	return ""
}
