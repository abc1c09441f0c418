package cli

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/internal/parallel"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/chaos"
	"github.com/gossiplab/gossiplab/lab/core"
	"github.com/gossiplab/gossiplab/provision"
)

func newDoctorCommand(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the host's prerequisites and find what labs left behind",
		Long: `doctor checks what each provider needs on this host, the tools lab runs,
and, in a lab directory, that the lab's provider works, that the state file
agrees with the provider, and what the lab left behind (namespaces,
processes, mounts of a crashed lab up; labs whose directory is gone) and
the network faults lab chaos --keep left on running nodes. Each failure
says what to do. It exits non-zero when the lab's provider cannot
run or something was left behind.`,
		Args: noArgs(nil),
		RunE: func(cmd *cobra.Command, _ []string) error { return runDoctor(cmd, env) },
	}
	return cmd
}

type finding struct {
	check, status, detail string
}

func runDoctor(cmd *cobra.Command, env *Env) error {
	ctx := cmd.Context()
	var found []finding
	bad := false
	add := func(check string, ok bool, detail string, counts bool) {
		status := "ok"
		if !ok {
			status = "FAIL"
			if !counts {
				status = "missing"
			}
			bad = bad || counts
		}
		found = append(found, finding{check, status, detail})
	}
	// note records a finding that is neither ok nor a failure.
	note := func(check, status, detail string) { found = append(found, finding{check, status, detail}) }

	l, labErr := lab.Open(ctx, labDir(cmd), env.Providers)
	labErr = noLabHint(labErr)
	labProvider := ""
	if labErr == nil {
		labProvider = l.Spec.Provider
	}
	working := 0
	for _, name := range env.Providers.Names() {
		prov, _ := env.Providers.Get(name)
		err := prov.Check(ctx)
		detail := "works on this host"
		if err != nil {
			detail = err.Error()
		} else {
			working++
		}
		add("provider "+name, err == nil, detail, name == labProvider)
		if hn, ok := prov.(lab.HostNoter); ok && err == nil {
			for _, n := range hn.HostNotes(ctx) {
				note("host setting", "changed", n)
			}
		}
	}
	if working == 0 {
		bad = true
	}
	if path, err := exec.LookPath("ssh"); err == nil {
		add("ssh client", true, path+" (for lab ssh)", false)
	} else {
		add("ssh client", false, "lab ssh needs it: apt-get install openssh-client", false)
	}

	switch {
	case errors.Is(labErr, nil):
		add("lab", true, fmt.Sprintf("%s in %s: %d nodes on %s", l.Spec.Name, absDir(l.Paths.Dir), len(l.Nodes), l.Spec.Provider), true)
		cl, err := core.Open(ctx, labDir(cmd), env.coreOptions(cmd, ""))
		if err == nil {
			err = cl.ProviderErr()
		}
		if err != nil {
			add("lab provider", false, hint.Text(err), true)
		} else {
			doctorLab(cmd, cl, add, note)
			cl.Close()
		}
	case errors.Is(labErr, lab.ErrNoLab):
		add("lab", true, "no lab.hcl here; host checks and labs whose directory is gone", false)
		doctorOrphans(cmd, env, add)
	default:
		add("lab", false, hint.Text(labErr), true)
	}

	tw := tabwriter.NewWriter(env.Streams.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tSTATUS\tDETAIL")
	for _, f := range found {
		detail := strings.ReplaceAll(f.detail, "\n", "\n\t\t")
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.check, f.status, detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if bad {
		return &ExitError{Code: 1}
	}
	return nil
}

// doctorLab compares the state file with the provider and lists leftovers.
func doctorLab(cmd *cobra.Command, l *core.Lab, add func(string, bool, string, bool), note func(check, status, detail string)) {
	ctx := cmd.Context()
	statuses, err := l.Status(ctx)
	if err != nil {
		add("lab status", false, hint.Text(err), true)
		return
	}
	doctorState(l, statuses, add)
	flavour, _ := l.Flavour()
	doctorFaults(cmd, l, statuses, flavour, note)
	lf, ok := l.Provider.(lab.LeftoverFinder)
	if !ok {
		add("leftovers", true, "provider "+l.Spec.Provider+" cannot look for them", false)
		return
	}
	left, err := lf.Leftovers(ctx, l.Lab)
	switch {
	case err != nil:
		add("leftovers", false, hint.Text(err), true)
	case len(left) == 0:
		add("leftovers", true, "none", false)
	default:
		add("leftovers", false, strings.Join(left, "\n"), true)
	}
}

// doctorState compares the state file with what the provider says.
func doctorState(l *core.Lab, statuses []lab.NodeStatus, add func(string, bool, string, bool)) {
	st := l.State()
	switch err := l.StateWarning(); {
	case err != nil:
		add("state file", false, hint.Text(err), true)
		return
	case !l.HasState():
		add("state file", true, "none yet (lab up makes it)", false)
		return
	}
	var differ []string
	for _, s := range statuses {
		if e := st.Node(s.Node); e != nil && e.Status != s.State {
			differ = append(differ, fmt.Sprintf("%s recorded %s, is %s", s.Node, e.Status, s.State))
		}
	}
	if len(differ) == 0 {
		add("state file", true, "agrees with the provider", false)
		return
	}
	if len(differ) > 5 {
		differ = append(differ[:5], fmt.Sprintf("and %d more", len(differ)-5))
	}
	add("state file", true, "stale: "+strings.Join(differ, "; ")+"\nlab status shows the truth; the next lab up, halt or reload records it", false)
}

// doctorOrphans lists, outside a lab, the labs whose directory is gone
// while a provider still holds their resources.
func doctorOrphans(cmd *cobra.Command, env *Env, add func(string, bool, string, bool)) {
	for _, name := range env.Providers.Names() {
		prov, _ := env.Providers.Get(name)
		f, ok := prov.(lab.OrphanFinder)
		if !ok || prov.Check(cmd.Context()) != nil {
			continue
		}
		orphans, err := f.Orphans(cmd.Context())
		if err != nil {
			add("orphaned labs ("+name+")", false, err.Error(), true)
			continue
		}
		for _, o := range orphans {
			add("orphaned lab ("+name+")", false, o, true)
		}
	}
}

// doctorFaults lists the running nodes that keep network faults of `lab
// chaos ... --keep` (its nftables table, or the agent's fault hook): the
// cluster is not healthy until `lab chaos heal` removes them.
func doctorFaults(cmd *cobra.Command, l *core.Lab, statuses []lab.NodeStatus, fl provision.Flavour, note func(check, status, detail string)) {
	var running []string
	for _, s := range statuses {
		if s.State == lab.StateRunning {
			running = append(running, s.Node)
		}
	}
	if len(running) == 0 {
		return
	}
	f := &chaos.Faulter{Shell: l.Shell(), Agent: chaos.AgentFor(fl)}
	kept := make([][]string, len(running))
	errs := parallel.Each(cmd.Context(), len(running), 16, func(ctx context.Context, i int) error {
		var err error
		kept[i], err = f.Kept(ctx, running[i])
		return err
	})
	var lines, unchecked []string
	for i, n := range running {
		switch {
		case errs[i] != nil:
			unchecked = append(unchecked, n)
		case len(kept[i]) > 0:
			lines = append(lines, n+": "+strings.Join(kept[i], ", "))
		}
	}
	status, detail := "ok", "none on the running nodes"
	if len(lines) > 0 {
		status, detail = "kept", strings.Join(lines, "\n")+"\nleft by lab chaos --keep; lab chaos heal removes them"
	}
	if len(unchecked) > 0 {
		detail += "\nnot checked (SSH failed): " + lab.Summarize(unchecked)
	}
	note("chaos faults", status, detail)
}
