package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/core"
)

type planFlags struct {
	spec specFlags
	json bool
}

func newPlanCommand(env *Env) *cobra.Command {
	f := &planFlags{}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Check that the lab fits this host: memory, SSH ports, subnet, host-only ranges, hostnames",
		Long: `plan checks the lab described by lab.hcl (or by flags alone, in a directory
without one) against this host, prints a table, and exits non-zero when the
lab will not fit, naming the largest number of nodes that would and the
setting to change.`,
		Example: `  lab plan --nodes 52 --memory 1024
  lab plan --json`,
		Args: noArgs(nil),
		RunE: func(cmd *cobra.Command, _ []string) error { return runPlan(cmd, env, f) },
	}
	f.spec.register(cmd.Flags())
	cmd.Flags().BoolVar(&f.json, "json", false, "print the plan as JSON")
	return cmd
}

func runPlan(cmd *cobra.Command, env *Env, f *planFlags) error {
	dir := labDir(cmd)
	r, err := f.spec.resolveSpec(cmd.Context(), cmd.Flags(), dir, env.Providers)
	if err != nil {
		return err
	}
	report, err := core.PlanSpec(cmd.Context(), dir, r.spec, env.coreOptions(cmd, ""))
	if err != nil {
		return err
	}
	if err := printPlan(env, report, f.json); err != nil {
		return err
	}
	if !report.Fits {
		return &ExitError{Code: 1}
	}
	return nil
}

func printPlan(env *Env, r lab.PlanReport, asJSON bool) error {
	out := env.Streams.Out
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	mem := fmt.Sprintf("%d MB each", r.MemoryMB)
	switch {
	case r.NodeCostMB == 0:
		mem = "nothing on this host"
	case !r.Footprint.PerNodeMemory:
		mem = fmt.Sprintf("about %d MB each, no VM", r.NodeCostMB)
	}
	fmt.Fprintf(out, "lab %s: %d nodes on %s, %s\n\n", r.Lab, r.Nodes, r.Provider, mem)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tSTATUS\tDETAIL")
	for _, c := range r.Checks {
		status := "ok"
		if !c.OK {
			status = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Name, status, c.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	if r.Fits && r.Listed { // machines that exist: no more to add
		fmt.Fprintf(out, "fits: %d nodes\n", r.Nodes)
		return nil
	}
	if r.Fits {
		fmt.Fprintf(out, "fits: %d nodes (at most %d would)\n", r.Nodes, r.MaxNodes)
		return nil
	}
	var failed []string
	memoryFailed := false
	for _, c := range r.Checks {
		if !c.OK {
			failed = append(failed, c.Name)
			memoryFailed = memoryFailed || c.Name == "memory"
		}
	}
	if r.MaxNodes < r.Nodes && (r.MaxNodes > 0 || memoryFailed) {
		fmt.Fprintf(out, "does not fit: at most %d nodes fit this host with these settings\n", r.MaxNodes)
	} else {
		// Fewer nodes would not help (a subnet VirtualBox refuses, ports
		// taken from the first one on): name what failed instead.
		checks := "check"
		if len(failed) > 1 {
			checks = "checks"
		}
		fmt.Fprintf(out, "does not fit: the %s %s failed\n", strings.Join(failed, ", "), checks)
	}
	if r.Hint != "" {
		fmt.Fprintf(out, "hint: %s\n", r.Hint)
	}
	return nil
}
