package chaos

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/report"
	"github.com/gossiplab/gossiplab/lab"
)

// ReportFile is a record's page for people: its tables and figures in
// one self-contained HTML file.
const ReportFile = "report.html"

// stepDoc is the report of one step: what was done, the figures, and
// the summary and per-observer tables.
func stepDoc(s *Summary, figs []figure) report.Doc {
	d := report.Doc{Title: s.Command}
	d.Para(report.T(stepLine(s)))
	if s.Note != "" {
		d.Note(report.T(s.Note))
	}
	d.Heading(2, "Summary")
	d.Table(summaryTable(s))
	for _, f := range figs {
		d.Heading(2, f.title)
		d.Figure(report.Figure{Base: f.base, Title: f.title, Caption: f.caption, SVG: f.image.InlineSVG()})
	}
	if len(s.Observations) > 0 {
		d.Heading(2, "Observers")
		d.Table(observerTable(s.Observations))
	}
	d.Heading(2, "Files")
	items := [][]report.Span{
		{report.C("latencies.csv"), report.T(": one line per observer, as the table above.")},
		{report.C("summary.json"), report.T(": all of it, with each observer's transitions, the lab's spec and the agent profile.")},
	}
	if len(figs) > 0 {
		items = append(items, []report.Span{report.C("timeline.png"), report.T(", "), report.C("cdf.png"), report.T(" and their SVG: the figures above.")})
	}
	d.List(items...)
	return d
}

// stepLine says what was done to which nodes of which lab, and when.
func stepLine(s *Summary) string {
	agent := "labagent"
	if s.Agent != "" {
		agent = s.Agent
	}
	line := fmt.Sprintf("Lab %s (%s, %s, profile %s), %s, injected %s", s.Lab, s.Provider, agent, s.AgentProfile, targetsText(s),
		s.Injected.UTC().Format("2006-01-02T15:04:05.000Z"))
	if s.Seed != nil {
		line += fmt.Sprintf(", seed %d", *s.Seed)
	}
	return line + "."
}

// summaryTable holds the step's figures, one per row.
func summaryTable(s *Summary) report.Table {
	t := report.Table{Head: []string{"measure", "value"}}
	add := func(k, v string) { t.Rows = append(t.Rows, report.Cells(k, v)) }
	add("observers", strconv.Itoa(s.Observers))
	if s.Interrupted {
		add("saw "+strings.Join(s.Outcomes, " or "), fmt.Sprintf("%d of %d by the interruption, %s after the injection", s.Saw, s.Observers, fmtDur(time.Duration(s.MeasuredS*float64(time.Second)))))
	} else {
		add("saw "+strings.Join(s.Outcomes, " or "), fmt.Sprintf("%d of %d within %s", s.Saw, s.Observers, fmtDur(time.Duration(s.TimeoutS*float64(time.Second)))))
	}
	if s.Saw > 0 {
		add("latency first / p50 / p95 / p99 / last", strings.Join([]string{fmtS(s.FirstS), fmtS(s.P50S), fmtS(s.P95S), fmtS(s.P99S), fmtS(s.LastS)}, " / "))
	}
	if line := predictionLine(s); line != "" {
		add("simulator's prediction", line)
	}
	if line := waitLine(s); line != "" {
		add("wait", line)
	}
	if s.Suspected > 0 {
		add("first suspicion p50 / last", fmt.Sprintf("%s / %s, by %d of %d observers", fmtS(s.SuspectP50S), fmtS(s.SuspectLast), s.Suspected, s.Observers))
	}
	if len(s.Never) > 0 {
		add("never saw it", lab.Summarize(s.Never))
	}
	if len(s.Unreachable) > 0 {
		add("unreachable", lab.Summarize(s.Unreachable))
	}
	if len(s.Mechanism) > 0 {
		add("mechanism", mechanismLine(s.Mechanism))
	}
	add("clock", clockText(s))
	return t
}

// observerTable has a row per observer, as latencies.csv.
func observerTable(obs []Observation) report.Table {
	R, L := report.Right, report.Left
	t := report.Table{
		Head:  []string{"node", "outcome", "latency (s)", "first suspicion (s)", "noticed", "transitions", "clock uncertainty (s)"},
		Align: []report.Align{L, L, R, R, R, R, R},
	}
	for _, o := range obs {
		lat, sus := "-", "-"
		if o.LatencyS != nil {
			lat = fmt.Sprintf("%.3f", *o.LatencyS)
		}
		if o.SuspectS != nil {
			sus = fmt.Sprintf("%.3f", *o.SuspectS)
		}
		t.Rows = append(t.Rows, report.Cells(o.Node, o.Outcome, lat, sus, fmt.Sprintf("%d/%d", o.Noticed, o.Expected),
			strconv.Itoa(len(o.Transitions)), fmt.Sprintf("%.3f", o.ClockErrorS)))
	}
	return t
}

// runDoc is the report of a scenario run: a row per step and the
// scenario's timeline.
func runDoc(run *RunSummary, fig *figure) report.Doc {
	d := report.Doc{Title: "Scenario " + run.Scenario}
	d.Para(report.T(fmt.Sprintf("Seed %d, started %s.", run.Seed, run.Started.UTC().Format(time.RFC3339))))
	if run.Error != "" {
		d.Note(report.B("Stopped"), report.T(": "+firstLine([]byte(run.Error))))
	}
	R, L := report.Right, report.Left
	t := report.Table{
		Head:  []string{"#", "line", "step", "saw", "p50 (s)", "last (s)", "never", "record"},
		Align: []report.Align{R, R, L, R, R, R, L, L},
	}
	for i, st := range run.Steps {
		saw, p50, last, never, dir := "-", "-", "-", "-", "-"
		switch {
		case st.WaitedS != nil:
			saw = "waited " + fmtS(st.WaitedS)
		case st.Summary != nil:
			s := st.Summary
			if s.Observers > 0 {
				saw = fmt.Sprintf("%d/%d", s.Saw, s.Observers)
			}
			p50, last = secondsCell(s.P50S), secondsCell(s.LastS)
			if len(s.Never) > 0 {
				never = lab.Summarize(s.Never)
			}
			dir = stepDirName(i, s.Action)
		}
		if st.Error != "" {
			saw = "failed"
		}
		t.Rows = append(t.Rows, report.Cells(strconv.Itoa(i+1), strconv.Itoa(st.Line), st.Command, saw, p50, last, never, dir))
	}
	d.Heading(2, "Steps")
	d.Table(t)
	if fig != nil {
		d.Heading(2, fig.title)
		d.Figure(report.Figure{Base: fig.base, Title: fig.title, Caption: fig.caption, SVG: fig.image.InlineSVG()})
	}
	d.Heading(2, "Files")
	d.List(
		[]report.Span{report.C("scenario.txt"), report.T(": the scenario as run; "), report.C("summary.json"), report.T(": every step's summary.")},
		[]report.Span{report.T("One directory per measured step (the record column), each with its own "), report.C("report.html"), report.T(".")},
	)
	return d
}

// stepDirName names the record directory of a scenario's i-th step.
func stepDirName(i int, a Action) string { return fmt.Sprintf("%02d-%s", i+1, a) }

func secondsCell(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *v)
}
