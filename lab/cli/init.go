package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/lab"
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
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create lab directory: %w", err)
	}
	r, err := f.spec.resolveSpec(cmd.Flags(), dir)
	if err != nil {
		return err
	}
	p := lab.Paths{Dir: dir}
	l := lab.New(dir, r.spec)

	// Render everything before writing anything: bad input writes nothing.
	labText, err := lab.RenderLabFile(r.spec)
	if err != nil {
		return err
	}
	var vagrantfile []byte
	if r.spec.Provider != lab.ProviderNetns {
		if vagrantfile, err = l.Vagrantfile(); err != nil {
			return err
		}
	}

	lock, err := lab.AcquireLock(p, "lab init")
	if err != nil {
		return err
	}
	defer lock.Release()

	st, haveState, err := lab.LoadState(p)
	if err != nil {
		return err
	}
	if haveState {
		if err := checkReshape(st, l, f.force); err != nil {
			return err
		}
	}

	out := env.Streams.Out
	switch {
	case !r.hasFile:
		if err := writeNew(p.LabFile(), labText); err != nil {
			return err
		}
		fmt.Fprintf(out, "lab.hcl: created\n")
	case r.anyFlags() && !f.force:
		return fmt.Errorf("%s exists; lab init will not change it from flags\nhint: edit lab.hcl and run lab init again, or pass --force to rewrite it from the flags (a copy is kept in %s)",
			p.LabFile(), p.BackupDir())
	case r.anyFlags():
		old, err := os.ReadFile(p.LabFile())
		if err != nil {
			return err
		}
		backup, err := lab.Backup(p, p.LabFile(), old, env.now())
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(p.LabFile(), labText, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(out, "lab.hcl: rewritten from flags (previous copy kept in %s)\n", backup)
	default:
		fmt.Fprintf(out, "lab.hcl: read\n")
	}

	if vagrantfile != nil {
		what, err := lab.WriteVagrantfile(p, vagrantfile, f.force, env.now())
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Vagrantfile: %s\n", what)
	}

	newState := lab.NewState(l)
	if haveState {
		newState = lab.MergeState(st, newState)
	}
	if err := lab.SaveState(p, newState, env.now()); err != nil {
		return err
	}

	first, last := l.Nodes[0], l.Nodes[len(l.Nodes)-1]
	fmt.Fprintf(out, "lab %s: %d nodes on %s: %s .. %s, IPs %v .. %v, SSH on 127.0.0.1:%d .. %d\n",
		r.spec.Name, r.spec.Nodes, r.spec.Provider, first.Name, last.Name, first.IP, last.IP, first.SSHPort, last.SSHPort)
	fmt.Fprintf(out, "next: lab plan%s to check it fits this host, then lab up\n", dirArg(cmd))
	return nil
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s appeared while lab init ran; not overwriting it", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o644)
}

// checkReshape refuses to change the assignments of nodes that exist.
func checkReshape(st *lab.State, l *lab.Lab, force bool) error {
	if force {
		return nil
	}
	var changed []string
	for _, old := range st.Nodes {
		if old.Status == lab.StateNotCreated || old.Status == "" {
			continue
		}
		n, ok := l.Node(old.Name)
		if !ok || n.IP.String() != old.IP || n.SSHPort != old.SSHPort {
			changed = append(changed, old.Name)
		}
	}
	if st.Provider != "" && st.Provider != l.Spec.Provider && len(changed) == 0 {
		for _, old := range st.Nodes {
			if old.Status != lab.StateNotCreated && old.Status != "" {
				changed = append(changed, old.Name)
			}
		}
	}
	if len(changed) > 0 {
		return fmt.Errorf("this change would re-address or drop nodes that exist (%s)\nhint: run lab destroy first, or pass --force if you know they are gone",
			lab.Summarize(changed))
	}
	return nil
}

func dirArg(cmd *cobra.Command) string {
	if d := labDir(cmd); d != "." {
		return " --dir " + d
	}
	return ""
}
