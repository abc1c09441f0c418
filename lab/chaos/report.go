package chaos

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/provision"
)

// WriteTable prints a summary for people: a line on what was done, one
// row per observer, then the figures.
func WriteTable(w io.Writer, s *Summary) error {
	var b strings.Builder
	writeStepHeader(&b, s)
	if len(s.Observations) > 0 {
		b.WriteString("\n")
		writeObserverRows(&b, s.Observations)
		b.WriteString("\n")
		writeStepStats(&b, s)
	}
	if s.Dir != "" {
		fmt.Fprintf(&b, "record: %s\n", s.Dir)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeStepHeader says what was done to which nodes, how, and why
// nothing was measured when nothing was.
func writeStepHeader(b *strings.Builder, s *Summary) {
	fmt.Fprintf(b, "%s\n", s.Command)
	agent := "agent"
	if s.Agent == "serf" {
		agent = "serf"
	}
	fmt.Fprintf(b, "  lab %s (%s, %s profile %s), %s, injected %s",
		s.Lab, s.Provider, agent, s.AgentProfile, targetsText(s), s.Injected.Format("2006-01-02T15:04:05.000Z"))
	if s.Seed != nil {
		fmt.Fprintf(b, ", seed %d", *s.Seed)
	}
	b.WriteString("\n")
	if len(s.Mechanism) > 0 {
		fmt.Fprintf(b, "  mechanism: %s\n", mechanismLine(s.Mechanism))
	}
	if s.Note != "" {
		fmt.Fprintf(b, "  %s\n", s.Note)
	}
}

// writeObserverRows is the table of observers: one row each.
func writeObserverRows(b *strings.Builder, obs []Observation) {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tOUTCOME\tLATENCY\tSUSPECTED\tNOTICED")
	for _, o := range obs {
		lat, sus := "-", "-"
		if o.Saw {
			lat = fmtDur(o.Latency)
		}
		if o.Suspected {
			sus = fmtDur(o.Suspect)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\n", o.Node, o.Outcome, lat, sus, o.Noticed, o.Expected)
	}
	tw.Flush()
}

// writeStepStats says how many observers saw the fault and how fast,
// who never did or could not be read, and which clock timed them.
func writeStepStats(b *strings.Builder, s *Summary) {
	if s.Interrupted {
		fmt.Fprintf(b, "interrupted %s after the injection: by then ", fmtDur(time.Duration(s.MeasuredS*float64(time.Second))))
		fmt.Fprintf(b, "%d of %d observers saw %s", s.Saw, s.Observers, strings.Join(s.Outcomes, " or "))
	} else {
		fmt.Fprintf(b, "%d of %d observers saw %s within %s", s.Saw, s.Observers, strings.Join(s.Outcomes, " or "), fmtDur(time.Duration(s.TimeoutS*float64(time.Second))))
	}
	if s.Saw > 0 {
		fmt.Fprintf(b, ": first %s  p50 %s  p95 %s  p99 %s  last %s", fmtS(s.FirstS), fmtS(s.P50S), fmtS(s.P95S), fmtS(s.P99S), fmtS(s.LastS))
	}
	b.WriteString("\n")
	if s.Suspected > 0 {
		fmt.Fprintf(b, "suspected by %d: p50 %s  last %s\n", s.Suspected, fmtS(s.SuspectP50S), fmtS(s.SuspectLast))
	}
	if len(s.Never) > 0 {
		fmt.Fprintf(b, "never saw it: %s\n", strings.Join(s.Never, ", "))
	}
	if len(s.Unreachable) > 0 {
		what := "journal"
		if streamed(s) {
			what = s.Agent + " monitor"
		}
		fmt.Fprintf(b, "%s unreachable: %s\n", what, strings.Join(s.Unreachable, ", "))
	}
	if line := predictionLine(s); line != "" {
		fmt.Fprintf(b, "%s\n", line)
	}
	if line := waitLine(s); line != "" {
		fmt.Fprintf(b, "%s\n", line)
	}
	fmt.Fprintf(b, "clock: %s\n", clockText(s))
}

// predictionLine puts the simulator's forecast of the step beside what
// was measured.
func predictionLine(s *Summary) string {
	if s.Wait == nil || s.Wait.Predicted == nil {
		return ""
	}
	pr := s.Wait.Predicted
	runs := fmt.Sprintf("%d runs", pr.Runs)
	if pr.Runs == 1 {
		runs = "1 run"
	}
	line := fmt.Sprintf("predicted p50 %s  p99 %s  last %s (simulator: %s, %s profile, %s", fmtSec(pr.P50S), fmtSec(pr.P99S), fmtSec(pr.LastS), pr.Scenario, pr.Profile, runs)
	if pr.Coverage < 1 {
		line += fmt.Sprintf(", %.1f%% learned it", 100*pr.Coverage)
	}
	line += ")"
	if s.Saw > 0 {
		line += fmt.Sprintf(", measured p50 %s  p99 %s  last %s", fmtS(s.P50S), fmtS(s.P99S), fmtS(s.LastS))
	}
	return line
}

// waitLine says how long the step waited and why.
func waitLine(s *Summary) string {
	w := s.Wait
	if w == nil {
		return ""
	}
	line := fmt.Sprintf("waited up to %s: %s", fmtSec(w.BaseS), w.Rule)
	if w.QuietS > 0 {
		line += fmt.Sprintf("; longer while observers kept noticing (until none for %s), at most %s", fmtSec(w.QuietS), fmtSec(w.CapS))
	}
	if w.Extended {
		line += fmt.Sprintf("; they did: %s in all", fmtSec(s.TimeoutS))
	}
	return line
}

func fmtSec(v float64) string { return fmtDur(time.Duration(v * float64(time.Second))) }

// targetsText names a step's targets, or a partition's two groups.
func targetsText(s *Summary) string {
	if len(s.Groups) == 2 {
		return "groups " + lab.Summarize(s.Groups[0]) + " | " + lab.Summarize(s.Groups[1])
	}
	return "targets " + lab.Summarize(s.Targets)
}

// streamed reports whether s was observed from the agent's log stream
// (Serf's monitor) rather than read from journals.
func streamed(s *Summary) bool { return !provision.Flavour(s.Agent).Journal() }

// clockText says which clock timed s's latencies, and how well.
func clockText(s *Summary) string {
	switch {
	case streamed(s):
		return fmt.Sprintf("the controller's, on arrival of each node's %s monitor line (SSH transit included)", s.Agent)
	case s.SharedClock:
		return "nodes share the controller's clock"
	}
	return fmt.Sprintf("node offsets estimated over SSH, latencies good to ±%s", fmtDur(time.Duration(s.ClockUncertaintyS*float64(time.Second))))
}

func mechanismLine(m map[string]string) string {
	by := map[string][]string{}
	for n, mech := range m {
		by[mech] = append(by[mech], n)
	}
	var parts []string
	for _, mech := range []string{string(MechNFT), string(MechAgent)} {
		if ns := by[mech]; len(ns) > 0 {
			parts = append(parts, fmt.Sprintf("%s on %d node(s)", mech, len(ns)))
		}
	}
	return strings.Join(parts, ", ")
}

func fmtS(s *float64) string {
	if s == nil {
		return "-"
	}
	return fmtDur(time.Duration(*s * float64(time.Second)))
}

// fmtDur prints seconds with millisecond precision: 6.812s.
func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.3fs", d.Seconds())
}

// WriteRunTable prints a scenario's combined report: one row per step.
func WriteRunTable(w io.Writer, run *RunSummary) error {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s, seed %d\n", run.Scenario, run.Seed)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LINE\tSTEP\tSAW\tP50\tLAST\tNEVER")
	for _, st := range run.Steps {
		saw, p50, last, never := "-", "-", "-", "-"
		switch {
		case st.WaitedS != nil:
			saw = "waited " + fmtS(st.WaitedS)
		case st.Summary != nil:
			s := st.Summary
			if s.Observers > 0 {
				saw = fmt.Sprintf("%d/%d", s.Saw, s.Observers)
			}
			p50, last = fmtS(s.P50S), fmtS(s.LastS)
			if len(s.Never) > 0 {
				never = lab.Summarize(s.Never)
			}
		}
		if st.Error != "" {
			saw = "failed"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", st.Line, st.Command, saw, p50, last, never)
	}
	tw.Flush()
	if run.Error != "" {
		fmt.Fprintf(&b, "stopped: %s\n", firstLine([]byte(run.Error)))
	}
	if run.Dir != "" {
		fmt.Fprintf(&b, "record: %s\n", run.Dir)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
