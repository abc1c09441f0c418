package cli

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/lab"
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
	cmd.Flags().IntVarP(&f.parallel, "parallel", "p", 10, "nodes booted, then provisioned, at a time")
	f.agent.register(cmd.Flags())
	return cmd
}

func runUp(cmd *cobra.Command, env *Env, f *upFlags) error {
	ctx := cmd.Context()
	dir := labDir(cmd)
	if f.parallel < 1 {
		return fmt.Errorf("--parallel %d: use 1 or more", f.parallel)
	}
	if err := f.agent.check(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create lab directory: %w", err)
	}
	r, err := f.spec.resolveSpec(cmd.Flags(), dir)
	if err != nil {
		return err
	}
	p := lab.Paths{Dir: dir}
	if r.hasFile && r.anyFlags() {
		onFile, _, err := lab.LoadFile(p.LabFile())
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(onFile, r.spec) {
			return fmt.Errorf("%s exists and the flags change it; lab up does not rewrite it\nhint: edit lab.hcl (or run lab init --force with the flags), then lab up", p.LabFile())
		}
	}
	if !r.hasFile && !r.fromFlags["provider"] {
		detected, err := env.Providers.Detect(ctx)
		if err != nil {
			return err
		}
		r.spec.Provider = detected.Info().Name
	}
	l := lab.New(dir, r.spec)
	prov, err := providerOf(env, l)
	if err != nil {
		return err
	}

	lock, err := lab.AcquireLock(p, "lab up")
	if err != nil {
		return err
	}
	defer lock.Release()

	if !r.hasFile {
		text, err := lab.RenderLabFile(r.spec)
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(p.LabFile(), text, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(env.Streams.Err, "lab.hcl: created (%d nodes, provider %s)\n", r.spec.Nodes, r.spec.Provider)
	}
	if r.spec.Provider != lab.ProviderNetns {
		vf, err := l.Vagrantfile()
		if err != nil {
			return err
		}
		if _, err := lab.WriteVagrantfile(p, vf, false, env.now()); err != nil {
			return err
		}
	}
	if err := checkFits(cmd, env, l, prov); err != nil {
		return err
	}
	if err := checkMoved(ctx, l, prov); err != nil {
		return err
	}
	st, err := loadOrNewState(l)
	if err != nil {
		return err
	}
	if err := lab.SaveState(p, st, env.now()); err != nil {
		return err
	}

	pr := newProgress(ctx, env, len(l.Nodes), upPhases)
	err = prov.Up(ctx, l, l.NodeNames(), lab.UpOptions{Parallel: f.parallel, Progress: pr.step})
	pr.finish()
	statuses, serr := recordStatus(ctx, env, l, prov)
	switch {
	case ctx.Err() != nil:
		return interrupted("lab up", "run lab up again to finish, or lab destroy to remove what was made")
	case err != nil:
		return firstErr(env, err, serr)
	case serr != nil:
		return serr
	}
	running := 0
	for _, s := range statuses {
		if s.State == lab.StateRunning {
			running++
		}
	}
	fmt.Fprintf(env.Streams.Out, "lab %s: %d of %d nodes running on %s\n", l.Spec.Name, running, len(l.Nodes), l.Spec.Provider)
	warnLeftovers(ctx, env, l, prov)
	if err := upProvision(ctx, env, l, prov, &f.agent, f.parallel); err != nil {
		return err
	}
	fmt.Fprintf(env.Streams.Out, "next: lab status%s, lab ssh%s %s\n", dirArg(cmd), dirArg(cmd), l.Nodes[0].Name)
	return nil
}

// checkFits runs the planner; the ports of this lab's own nodes that
// exist count as free, since the lab holds them.
func checkFits(cmd *cobra.Command, env *Env, l *lab.Lab, prov lab.Provider) error {
	facts := lab.GatherHostFacts(cmd.Context(), l.Spec.Provider)
	facts.LabPorts = runningPorts(l.Paths)
	if statuses, err := prov.Status(cmd.Context(), l); err == nil {
		for _, s := range statuses {
			if n, ok := l.Node(s.Node); ok && s.State != lab.StateNotCreated {
				facts.LabPorts[n.SSHPort] = true
			}
		}
	}
	report := lab.Plan(l.Spec, facts)
	if report.Fits {
		return nil
	}
	errEnv := *env
	errEnv.Streams.Out = env.Streams.Err
	if err := printPlan(&errEnv, report, false); err != nil {
		return err
	}
	return fmt.Errorf("lab %s does not fit this host (see the plan above)\nhint: change lab.hcl as the plan says, then lab up again", l.Spec.Name)
}

// warnLeftovers says what the provider still holds for the lab beyond its
// nodes: after nodes was lowered in lab.hcl, the dropped nodes run on and
// their agents stay members of the cluster.
func warnLeftovers(ctx context.Context, env *Env, l *lab.Lab, prov lab.Provider) {
	lf, ok := prov.(lab.LeftoverFinder)
	if !ok {
		return
	}
	left, err := lf.Leftovers(ctx, l)
	if err != nil || len(left) == 0 {
		return
	}
	fmt.Fprintf(env.Streams.Err, "warning: lab %s holds more than its %d nodes:\n  %s\nhint: their agents may still be members of the cluster; lab doctor lists them, lab destroy removes them (with the lab)\n",
		l.Spec.Name, len(l.Nodes), strings.Join(left, "\n  "))
}
