package cli

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/core"
)

type upFlags struct {
	spec     specFlags
	parallel int
	agent    upAgentFlags // the last phase, see provision.go
}

func newUpCommand(env *Env) *cobra.Command {
	f := &upFlags{}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Create and boot the lab's nodes (writing lab.hcl first when there is none)",
		Long: `up writes lab.hcl from the flags when the directory has none (the provider
is then the one named by --provider, or the first that works on this host),
checks that the lab fits this host (lab plan), then creates and boots every
node and waits until its SSH server answers. Last, it installs and starts the
agent on every node and waits for the cluster to form, as lab provision does
(--no-provision skips it; without agent binaries it is skipped with a hint).

up is re-runnable: on a lab that is partly up, after Ctrl-C or a crash, it
finishes the job. Only one lab command changes a lab at a time.`,
		Example: `  lab up --nodes 10 --provider netns
  lab up --parallel 4`,
		Args: noArgs(nil),
		RunE: func(cmd *cobra.Command, _ []string) error { return runUp(cmd, env, f) },
	}
	f.spec.register(cmd.Flags())
	cmd.Flags().IntVarP(&f.parallel, "parallel", "p", 0, "nodes booted, then provisioned, at a time (default: the provider's, 10 on Vagrant, 32 on netns)")
	f.agent.register(cmd.Flags())
	return cmd
}

func runUp(cmd *cobra.Command, env *Env, f *upFlags) error {
	ctx := cmd.Context()
	if f.parallel < 0 || f.parallel == 0 && cmd.Flags().Changed("parallel") {
		return fmt.Errorf("--parallel %d: use 1 or more", f.parallel)
	}
	if err := f.agent.check(); err != nil {
		return err
	}
	if err := checkAgentFlag(f.agent.agent); err != nil { // before anything boots
		return err
	}
	l, created, err := createLab(cmd, env, f)
	if err != nil {
		return err
	}
	defer l.Close()
	if f.agent.timings {
		defer printTimings(env, l)
	}
	if created {
		fmt.Fprintf(env.Streams.Err, "lab.hcl: created (%d nodes, provider %s)\n", l.Spec.Nodes, l.Spec.Provider)
	}
	if _, err := l.RenderFiles(false); err != nil {
		return err
	}
	if err := l.CheckFits(ctx); err != nil {
		return planOnStderr(env, err)
	}
	statuses, err := l.Up(ctx, f.parallel)
	if err != nil {
		return err
	}
	running := 0
	for _, s := range statuses {
		if s.State == lab.StateRunning {
			running++
		}
	}
	fmt.Fprintf(env.Streams.Out, "lab %s: %d of %d nodes running on %s\n", l.Spec.Name, running, len(l.Nodes), l.Spec.Provider)
	warnLeftovers(ctx, env, l)
	if err := upProvision(ctx, env, l, &f.agent, f.parallel); err != nil {
		return err
	}
	fmt.Fprintf(env.Streams.Out, "next: lab status%s, lab ssh%s %s\n", dirArg(cmd), dirArg(cmd), l.Nodes[0].Name)
	return nil
}

// createLab resolves the lab from lab.hcl and the flags, refusing flags
// that would change an existing lab.hcl, and opens it for lab up (which
// writes lab.hcl when there is none). Nothing is written before the
// input is known to be valid.
func createLab(cmd *cobra.Command, env *Env, f *upFlags) (*core.Lab, bool, error) {
	dir := labDir(cmd)
	r, err := f.spec.resolveSpec(cmd.Context(), cmd.Flags(), dir, env.Providers)
	if err != nil {
		return nil, false, err
	}
	p := lab.Paths{Dir: dir}
	if r.hasFile && r.anyFlags() {
		onFile, _, err := lab.LoadFile(p.LabFile())
		if err == nil {
			prov, _ := env.Providers.Get(onFile.Provider)
			err = lab.ListHosts(cmd.Context(), &onFile, dir, prov)
		}
		if err != nil {
			return nil, false, err
		}
		if !reflect.DeepEqual(onFile, r.spec) {
			return nil, false, hint.Errorf("edit lab.hcl (or run lab init --force with the flags), then lab up", "%s exists and the flags change it; lab up does not rewrite it", p.LabFile())
		}
	}
	detect := !r.hasFile && !r.fromFlags["provider"]
	l, err := core.Create(cmd.Context(), dir, r.spec, !r.hasFile, detect, env.coreOptions(cmd, "lab up"))
	return l, !r.hasFile, err
}

// planOnStderr prints the plan of a lab that does not fit, on stderr.
func planOnStderr(env *Env, err error) error {
	var nf *core.NotFitError
	if !errors.As(err, &nf) {
		return err
	}
	errEnv := *env
	errEnv.Streams.Out = env.Streams.Err
	if perr := printPlan(&errEnv, nf.Report, false); perr != nil {
		return perr
	}
	return err
}

// warnLeftovers says what the provider still holds for the lab beyond its
// nodes: after nodes was lowered in lab.hcl, the dropped nodes run on and
// their agents stay members of the cluster.
func warnLeftovers(ctx context.Context, env *Env, l *core.Lab) {
	left := l.Leftovers(ctx)
	if len(left) == 0 {
		return
	}
	fmt.Fprintf(env.Streams.Err, "warning: lab %s holds more than its %d nodes:\n  %s\nhint: their agents may still be members of the cluster; lab doctor lists them, lab destroy removes them (with the lab)\n",
		l.Spec.Name, len(l.Nodes), strings.Join(left, "\n  "))
}
