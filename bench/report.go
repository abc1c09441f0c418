package bench

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"
)

// RenderReport returns report.md: the summary tables, the models' error
// tables exactly as computed, the figures and the environment.
func RenderReport(sum Summary, rows []ErrorRow, figs []Figure) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Convergence report: %s\n\n", sum.Name)
	if sum.Incomplete {
		b.WriteString("> **Incomplete run**: it was interrupted or a backend failed; the tables hold only the runs that finished.\n\n")
	}
	env := sum.Environment
	if len(env.Args) == 0 && env.Commit == "" && env.GoVersion == "" {
		b.WriteString("Made by an unknown command on an unknown machine: rebuilt from samples.csv alone (there was no summary.json).\n\n")
	} else {
		fmt.Fprintf(&b, "Made by `%s` at commit `%s` on %s (%s, %d CPUs, %s/%s, %s), seed %d.\n\n",
			orDash(strings.Join(env.Args, " ")), orDash(env.Commit), orDash(env.Hostname), orDash(env.CPU), env.CPUs, env.OS, env.Arch, env.GoVersion, env.Seed)
	}
	if !env.Started.IsZero() {
		fmt.Fprintf(&b, "Started %s, finished %s.\n\n", env.Started.UTC().Format(time.RFC3339), env.Finished.UTC().Format(time.RFC3339))
	}
	b.WriteString("tP is the median over runs of the time by which P% of the observers had learned the event, " +
		"in seconds, with its bootstrap 95% interval; \"not reached\" means fewer than P% learned it within the timeout in most runs. " +
		"t0 is the median over runs of the first observer's latency (for a crash, first-dead; t100 is all-dead). " +
		"Coverage is the share of observer samples that learned the event at all.\n\n")

	for _, ev := range Events {
		var gs []Group
		for _, g := range sum.Groups {
			if g.Event == ev {
				gs = append(gs, g)
			}
		}
		if len(gs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "## Event: %s\n\n", ev)
		b.WriteString("| backend | N | runs | t0 (s) | t50 (s) | t95 (s) | t99 (s) | t100 (s) | coverage | wall (s) | CPU (s) | peak RSS (MiB) |\n")
		b.WriteString("|---|---:|---:|---|---|---|---|---|---:|---:|---:|---:|\n")
		for _, g := range gs {
			fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %s | %s | %s | %.1f%% | %s |\n", g.Backend, g.N, g.Runs,
				fmtEstimate(g.T0), fmtEstimate(g.T50), fmtEstimate(g.T95), fmtEstimate(g.T99), fmtEstimate(g.T100), 100*g.Coverage, fmtResources(g.Resources))
		}
		b.WriteString("\n")
		writeFigures(&b, figs, func(f Figure) bool { return f.Event == ev && f.Kind != "error" })
	}

	writeAccuracy(&b, rows)
	models := modelsIn(rows)
	for _, m := range []string{BackendSim, BackendSerfFormula} {
		fmt.Fprintf(&b, "## %s against measurement\n\n", modelTitle(m))
		if !slices.Contains(models, m) {
			fmt.Fprintf(&b, "Not computed: this run has no %s backend together with a measured backend (%s) for the same event and N.\n\n",
				m, strings.Join(measuredBackends, " or "))
			continue
		}
		b.WriteString("Printed as computed, good or bad. Target (issue 7): join, leave and user t50/t95 within max(10%, 0.2 s), t99 within max(15%, 0.2 s); fail within 1 s (first-dead t0 to all-dead t100). " +
			"t0 and t100 of join, leave and user have no target: printed, not judged.\n\n")
		b.WriteString("| event | N | percentile | model (s) | measured (s) | error (s) | error (%) | target (s) | within |\n")
		b.WriteString("|---|---:|---|---:|---:|---:|---:|---:|---|\n")
		for _, r := range rows {
			if r.Model != m {
				continue
			}
			fmt.Fprintf(&b, "| %s | %d | t%g | %s | %s | %s | %s | %s | %s |\n", r.Event, r.N, r.Percentile,
				fmtSeconds(r.ModelValue), fmtSeconds(r.Measure)+" ("+r.Measured+")", fmtSigned(r.Error), fmtPercent(r.Relative),
				fmtTolerance(r.Tolerance), fmtWithin(r))
		}
		b.WriteString("\n")
	}
	if slices.ContainsFunc(figs, func(f Figure) bool { return f.Kind == "error" }) {
		b.WriteString("## Model error plots\n\n")
		writeFigures(&b, figs, func(f Figure) bool { return f.Kind == "error" })
	}

	b.WriteString("## Files\n\n")
	b.WriteString("- `samples.csv`: one line per backend, N, run, observer and event; `latency_s` is empty when the observer had not learned the event within `timeout_s`. " +
		"Runs of more than 10,000 observers are histograms: lines without an observer, each standing for `count` observers (1 ms bins).\n")
	b.WriteString("- `summary.json`: the numbers of this report and the environment.\n")
	b.WriteString("- `bench report DIR` rebuilds summary.json, the plots and this report from samples.csv.\n")
	return b.Bytes()
}

func writeFigures(b *bytes.Buffer, figs []Figure, keep func(Figure) bool) {
	for _, f := range figs {
		if keep(f) {
			fmt.Fprintf(b, "![%s](%s.png)\n\n*%s* ([SVG](%s.svg))\n\n", f.Title, f.Base, f.Caption, f.Base)
		}
	}
}

func modelTitle(m string) string {
	switch m {
	case BackendSim:
		return "Simulator"
	case BackendSerfFormula:
		return "Serf formula"
	}
	return m
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func fmtSeconds(v *float64) string {
	if v == nil {
		return "not reached"
	}
	return fmt.Sprintf("%.3f", *v)
}

func fmtSigned(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%+.3f", *v)
}

func fmtPercent(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%+.0f%%", 100**v)
}

func fmtTolerance(t float64) string {
	if t == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", t)
}

func fmtWithin(r ErrorRow) string {
	switch {
	case r.Error == nil || r.Tolerance == 0:
		return "-"
	case r.Within:
		return "yes"
	}
	return "**no**"
}

func fmtEstimate(e Estimate) string {
	if e.Value == nil {
		return "not reached"
	}
	if e.Low != nil && e.High != nil && *e.Low == *e.Value && *e.High == *e.Value {
		return fmt.Sprintf("%.3f", *e.Value)
	}
	return fmt.Sprintf("%.3f [%s, %s]", *e.Value, ciBound(e.Low), ciBound(e.High))
}

func ciBound(v *float64) string {
	if v == nil {
		return "∞"
	}
	return fmt.Sprintf("%.3f", *v)
}

func fmtResources(r *Resources) string {
	if r == nil {
		return "- | - | -"
	}
	return fmt.Sprintf("%.1f | %.1f | %.0f", time.Duration(r.Wall).Seconds(), time.Duration(r.CPU).Seconds(), float64(r.PeakMemory)/(1<<20))
}
