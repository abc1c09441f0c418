package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
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

func runDoctor(cmd *cobra.Command, env *Env) error {
	ctx := cmd.Context()
	r := &doctorReport{}
	l, labErr := lab.Open(ctx, labDir(cmd), env.Providers)
	labErr = noLabHint(labErr)
	labProvider := ""
	if labErr == nil {
		labProvider = l.Spec.Provider
	}
	doctorProviders(ctx, env, labProvider, r)
	if path, err := exec.LookPath("ssh"); err == nil {
		r.add("ssh client", true, path+" (for lab ssh)", false)
	} else {
		r.add("ssh client", false, "lab ssh needs it: apt-get install openssh-client", false)
	}

	switch {
	case labErr == nil:
		r.add("lab", true, fmt.Sprintf("%s in %s: %d nodes on %s", l.Spec.Name, absDir(l.Paths.Dir), len(l.Nodes), l.Spec.Provider), true)
		cl, err := core.Open(ctx, labDir(cmd), env.coreOptions(cmd, ""))
		if err == nil {
			err = cl.ProviderErr()
		}
		if err != nil {
			r.add("lab provider", false, hint.Text(err), true)
		} else {
			doctorLab(cmd, cl, r)
			cl.Close()
		}
	case errors.Is(labErr, lab.ErrNoLab):
		r.add("lab", true, "no lab.hcl here; host checks and labs whose directory is gone", false)
		doctorOrphans(cmd, env, r)
	default:
		r.add("lab", false, hint.Text(labErr), true)
	}

	if err := r.write(env.Streams.Out); err != nil {
		return err
	}
	if r.bad {
		return &ExitError{Code: 1}
	}
	return nil
}

// doctorReport collects doctor's findings, and whether one of them makes
// doctor exit non-zero.
type doctorReport struct {
	found []finding
	bad   bool
}

type finding struct {
	check, status, detail string
}

// add records a check that passed or failed. A failure that counts (the
// lab's own provider, the lab, what it left behind) shows FAIL and makes
// doctor exit non-zero; one that does not (a provider the lab does not
// use, a tool) shows missing.
func (r *doctorReport) add(check string, ok bool, detail string, counts bool) {
	status := "ok"
	if !ok {
		status = "FAIL"
		if !counts {
			status = "missing"
		}
		r.bad = r.bad || counts
	}
	r.found = append(r.found, finding{check, status, detail})
}

// note records a finding that is neither ok nor a failure.
func (r *doctorReport) note(check, status, detail string) {
	r.found = append(r.found, finding{check, status, detail})
}

// write prints the findings, one row each; a detail's lines stay in
// their column.
func (r *doctorReport) write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tSTATUS\tDETAIL")
	for _, f := range r.found {
		detail := strings.ReplaceAll(f.detail, "\n", "\n\t\t")
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.check, f.status, detail)
	}
	return tw.Flush()
}

// doctorProviders checks every provider this binary has on this host
// (only the lab's own counts as a failure) and notes the host settings
// they changed. Doctor fails when none works.
func doctorProviders(ctx context.Context, env *Env, labProvider string, r *doctorReport) {
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
		r.add("provider "+name, err == nil, detail, name == labProvider)
		if hc, ok := prov.(lab.HostChecker); ok && err == nil {
			for _, c := range hc.HostChecks(ctx) {
				detail := c.Detail
				if c.Fix != "" {
					detail += "\n" + c.Fix
				}
				r.add(c.Name, c.OK, detail, name == labProvider)
			}
		}
		if hn, ok := prov.(lab.HostNoter); ok && err == nil {
			for _, n := range hn.HostNotes(ctx) {
				r.note("host setting", "changed", n)
			}
		}
	}
	if working == 0 {
		r.bad = true
	}
}

// doctorLab compares the state file with the provider and lists leftovers.
func doctorLab(cmd *cobra.Command, l *core.Lab, r *doctorReport) {
	ctx := cmd.Context()
	statuses, err := l.Status(ctx)
	if err != nil {
		r.add("lab status", false, hint.Text(err), true)
		return
	}
	doctorState(l, statuses, r)
	flavour, _ := l.Flavour()
	doctorFaults(cmd, l, statuses, flavour, r)
	lf, ok := l.Provider.(lab.LeftoverFinder)
	if !ok {
		r.add("leftovers", true, "provider "+l.Spec.Provider+" cannot look for them", false)
		return
	}
	left, err := lf.Leftovers(ctx, l.Lab)
	switch {
	case err != nil:
		r.add("leftovers", false, hint.Text(err), true)
	case len(left) == 0:
		r.add("leftovers", true, "none", false)
	default:
		r.add("leftovers", false, strings.Join(left, "\n"), true)
	}
}

// doctorState compares the state file with what the provider says.
func doctorState(l *core.Lab, statuses []lab.NodeStatus, r *doctorReport) {
	st := l.State()
	switch err := l.StateWarning(); {
	case err != nil:
		r.add("state file", false, hint.Text(err), true)
		return
	case !l.HasState():
		r.add("state file", true, "none yet (lab up makes it)", false)
		return
	}
	var differ []string
	for _, s := range statuses {
		if e := st.Node(s.Node); e != nil && e.Status != s.State {
			differ = append(differ, fmt.Sprintf("%s recorded %s, is %s", s.Node, e.Status, s.State))
		}
	}
	if len(differ) == 0 {
		r.add("state file", true, "agrees with the provider", false)
		return
	}
	if len(differ) > 5 {
		differ = append(differ[:5], fmt.Sprintf("and %d more", len(differ)-5))
	}
	r.add("state file", true, "stale: "+strings.Join(differ, "; ")+"\nlab status shows the truth; the next lab up, halt or reload records it", false)
}

// doctorOrphans lists, outside a lab, the labs whose directory is gone
// while a provider still holds their resources.
func doctorOrphans(cmd *cobra.Command, env *Env, r *doctorReport) {
	for _, name := range env.Providers.Names() {
		prov, _ := env.Providers.Get(name)
		f, ok := prov.(lab.OrphanFinder)
		if !ok || prov.Check(cmd.Context()) != nil {
			continue
		}
		orphans, err := f.Orphans(cmd.Context())
		if err != nil {
			r.add("orphaned labs ("+name+")", false, err.Error(), true)
			continue
		}
		for _, o := range orphans {
			r.add("orphaned lab ("+name+")", false, o, true)
		}
	}
}

// doctorFaults lists the running nodes that keep network faults of `lab
// chaos ... --keep` (its nftables table, or the agent's fault hook): the
// cluster is not healthy until `lab chaos heal` removes them.
func doctorFaults(cmd *cobra.Command, l *core.Lab, statuses []lab.NodeStatus, fl provision.Flavour, r *doctorReport) {
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
	r.note("chaos faults", status, detail)
}
