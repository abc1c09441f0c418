package bench

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/report"
)

// RenderReport returns report.md: the summary tables, the models' error
// tables exactly as computed, the figures and the environment.
func RenderReport(sum Summary, rows []ErrorRow, figs []Figure) []byte {
	return report.Markdown(reportDoc(sum, rows, figs))
}

// RenderHTML returns report.html: report.md's tables and figures as one
// self-contained page, the figures inline as SVG.
func RenderHTML(sum Summary, rows []ErrorRow, figs []Figure) ([]byte, error) {
	return report.HTML(reportDoc(sum, rows, figs))
}

// reportDoc is the report of a results directory.
func reportDoc(sum Summary, rows []ErrorRow, figs []Figure) report.Doc {
	d := report.Doc{Title: "Convergence report: " + sum.Name}
	if sum.Incomplete {
		d.Note(report.B("Incomplete run"), report.T(": it was interrupted or a backend failed; the tables hold only the runs that finished."))
	}
	env := sum.Environment
	if len(env.Args) == 0 && env.Commit == "" && env.GoVersion == "" {
		d.Para(report.T("Made by an unknown command on an unknown machine: rebuilt from samples.csv alone (there was no summary.json)."))
	} else {
		d.Para(report.T("Made by "), report.C(orDash(strings.Join(env.Args, " "))), report.T(" at commit "), report.C(orDash(env.Commit)),
			report.T(fmt.Sprintf(" on %s (%s, %d CPUs, %s/%s, %s), seed %d.", orDash(env.Hostname), orDash(env.CPU), env.CPUs, env.OS, env.Arch, env.GoVersion, env.Seed)))
	}
	if !env.Started.IsZero() {
		d.Para(report.T(fmt.Sprintf("Started %s, finished %s.", env.Started.UTC().Format(time.RFC3339), env.Finished.UTC().Format(time.RFC3339))))
	}
	d.Para(report.T("tP is the median over runs of the time by which P% of the observers had learned the event, " +
		"in seconds, with its bootstrap 95% interval; \"not reached\" means fewer than P% learned it within the timeout in most runs. " +
		"t0 is the median over runs of the first observer's latency (for a crash, first-dead; t100 is all-dead). " +
		"Coverage is the share of observer samples that learned the event at all."))

	for _, ev := range Events {
		t := groupTable(sum.Groups, ev)
		if len(t.Rows) == 0 {
			continue
		}
		d.Heading(2, fmt.Sprintf("Event: %s", ev))
		d.Table(t)
		addFigures(&d, figs, func(f Figure) bool { return f.Event == ev && f.Kind != "error" })
	}

	addAccuracy(&d, rows)
	models := modelsIn(rows)
	for _, m := range []string{BackendSim, BackendSerfFormula} {
		d.Heading(2, fmt.Sprintf("%s against measurement", modelTitle(m)))
		if !slices.Contains(models, m) {
			d.Para(report.T(fmt.Sprintf("Not computed: this run has no %s backend together with a measured backend (%s) for the same event and N.",
				m, strings.Join(measuredBackends, " or "))))
			continue
		}
		d.Para(report.T("Printed as computed, good or bad. The simulator's accuracy target: join, leave and user t50/t95 within max(10%, 0.2 s) of the measurement, t99 within max(15%, 0.2 s); a crash's first-dead t0 to all-dead t100 within 1 s. " +
			"t0 and t100 of join, leave and user have no target: printed, not judged."))
		d.Table(errorTable(rows, m))
	}
	if slices.ContainsFunc(figs, func(f Figure) bool { return f.Kind == "error" }) {
		d.Heading(2, "Model error plots")
		addFigures(&d, figs, func(f Figure) bool { return f.Kind == "error" })
	}

	d.Heading(2, "Files")
	d.List(
		[]report.Span{report.C("samples.csv"), report.T(": one line per backend, N, run, observer and event; "), report.C("latency_s"),
			report.T(" is empty when the observer had not learned the event within "), report.C("timeout_s"),
			report.T(". Runs of more than 10,000 observers are histograms: lines without an observer, each standing for "), report.C("count"), report.T(" observers (1 ms bins).")},
		[]report.Span{report.C("summary.json"), report.T(": the numbers of this report and the environment.")},
		[]report.Span{report.C("bench report DIR"), report.T(" rebuilds summary.json, the plots and this report from samples.csv.")},
	)
	return d
}

// groupTable is the summary table of one event: a row per backend and N.
func groupTable(groups []Group, ev Event) report.Table {
	R, L := report.Right, report.Left
	t := report.Table{
		Head:  []string{"backend", "N", "runs", "t0 (s)", "t50 (s)", "t95 (s)", "t99 (s)", "t100 (s)", "coverage", "wall (s)", "CPU (s)", "peak RSS (MiB)"},
		Align: []report.Align{L, R, R, L, L, L, L, L, R, R, R, R},
	}
	for _, g := range groups {
		if g.Event != ev {
			continue
		}
		row := report.Cells(g.Backend, fmt.Sprint(g.N), fmt.Sprint(g.Runs),
			fmtEstimate(g.T0), fmtEstimate(g.T50), fmtEstimate(g.T95), fmtEstimate(g.T99), fmtEstimate(g.T100), fmt.Sprintf("%.1f%%", 100*g.Coverage))
		t.Rows = append(t.Rows, append(row, report.Cells(fmtResources(g.Resources)...)...))
	}
	return t
}

// errorTable is one model's error against the measurement, a row per
// event, N and percentile.
func errorTable(rows []ErrorRow, m string) report.Table {
	R, L := report.Right, report.Left
	t := report.Table{
		Head:  []string{"event", "N", "percentile", "model (s)", "measured (s)", "error (s)", "error (%)", "target (s)", "within"},
		Align: []report.Align{L, R, L, R, R, R, R, R, L},
	}
	for _, r := range rows {
		if r.Model != m {
			continue
		}
		row := report.Cells(string(r.Event), fmt.Sprint(r.N), fmt.Sprintf("t%g", r.Percentile),
			fmtSeconds(r.ModelValue), fmtSeconds(r.Measure)+" ("+r.Measured+")", fmtSigned(r.Error), fmtPercent(r.Relative),
			fmtTolerance(r.Tolerance))
		t.Rows = append(t.Rows, append(row, withinCell(r)))
	}
	return t
}

func addFigures(d *report.Doc, figs []Figure, keep func(Figure) bool) {
	for _, f := range figs {
		if keep(f) {
			d.Figure(report.Figure{Base: f.Base, Title: f.Title, Caption: f.Caption, SVG: f.SVG})
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

// withinCell says whether a model met its target; a miss stands out.
func withinCell(r ErrorRow) report.Cell {
	switch {
	case r.Error == nil || r.Tolerance == 0:
		return report.Cell{Text: "-"}
	case r.Within:
		return report.Cell{Text: "yes"}
	}
	return report.Cell{Text: "no", Strong: true}
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

// fmtResources is the wall, CPU and peak memory cells of a group.
func fmtResources(r *Resources) []string {
	if r == nil {
		return []string{"-", "-", "-"}
	}
	return []string{fmt.Sprintf("%.1f", time.Duration(r.Wall).Seconds()), fmt.Sprintf("%.1f", time.Duration(r.CPU).Seconds()), fmt.Sprintf("%.0f", float64(r.PeakMemory)/(1<<20))}
}
