package chaos

import (
	"cmp"
	"fmt"
	"image/color"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/gossiplab/gossiplab/plots"
)

// figure is a rendered figure of a record and its words.
type figure struct {
	base, title, caption string
	image                plots.Image
}

// Names of a record's figures (each written as .png and .svg).
const (
	TimelineBase = "timeline"
	CDFBase      = "cdf"
)

// stepFigures draws a step's timeline and latency CDF; none when the
// step had no observer.
func stepFigures(s *Summary) ([]figure, error) {
	if len(s.Observations) == 0 {
		return nil, nil
	}
	lo, hi := stepRange(s)
	marks := append([]plots.Mark{{At: 0, Label: "injection", Style: plots.InjectionStyle}}, statMarks(s)...)

	tl := &plots.Timeline{States: timelineStates(), Rows: stepRows(s)}
	p := plots.New(s.Command, "time since injection (s)", "observer, first to notice on top")
	p.X.Min, p.X.Max = lo, hi
	p.X.Tick.Marker = plots.Ticks{}
	h, pitch := plots.TimelineHeight(len(tl.Rows))
	tl.Configure(p, pitch)
	p.Add(tl)
	timeline, err := plots.Draw(plots.Figure{Plot: p, Height: h, Marks: marks})
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}

	p, err = cdfPlot(s, hi)
	if err != nil {
		return nil, err
	}
	p.X.Min, p.X.Max = min(lo, 0), hi
	cdf, err := plots.Draw(plots.Figure{Plot: p, Height: plots.Height, Marks: statMarks(s)})
	if err != nil {
		return nil, fmt.Errorf("latency CDF: %w", err)
	}
	return []figure{
		{base: TimelineBase, title: "Timeline", image: timeline,
			caption: "What each observer recorded about the targets, from the injection: the share of its subjects in each state, one row per observer, the first to notice on top. " +
				"An observer that never noticed keeps its last state to the right edge (it was waited for until the timeout)."},
		{base: CDFBase, title: "Detection latency", image: cdf,
			caption: "Fraction of the observers that had noticed (and, where recorded, first suspected) the fault against time; a curve ending below 1 means some never did within the timeout."},
	}, nil
}

// cdfPlot draws the fraction of observers that noticed the fault, and
// that suspected it, against time, each curve held to hi.
func cdfPlot(s *Summary, hi float64) (*plot.Plot, error) {
	p := plots.New("Detection latency: "+s.Command, "time since injection (s)", "fraction of observers")
	var lat, sus []float64
	for _, o := range s.Observations {
		if o.LatencyS != nil {
			lat = append(lat, *o.LatencyS)
		}
		if o.SuspectS != nil {
			sus = append(sus, *o.SuspectS)
		}
	}
	states := timelineStates()
	outcome := states[stateFailed].Color
	switch s.Action.Expects() {
	case ExpectUp:
		outcome = states[stateAlive].Color
	case ExpectUser:
		outcome = states[stateReceived].Color
	}
	curves := []struct {
		values []float64
		name   string
		color  color.Color
		dashed bool
	}{
		{lat, "noticed (" + strings.ReplaceAll(strings.Join(s.Outcomes, " or "), "member-", "") + ")", outcome, false},
		{sus, "first suspicion", states[stateSuspect].Color, true},
	}
	for i, c := range curves {
		if i > 0 && len(c.values) == 0 {
			continue // no journal recorded suspicion
		}
		xys := plots.ECDF(c.values, len(s.Observations))
		xys = append(xys, plotter.XY{X: hi, Y: xys[len(xys)-1].Y})
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("latency CDF: %w", err)
		}
		line.Color, line.Width = c.color, vg.Points(1.8)
		if c.dashed {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(line)
		p.Legend.Add(c.name, line)
	}
	p.Y.Min, p.Y.Max = 0, 1
	p.X.Tick.Marker = plots.Ticks{}
	return p, nil
}

// statMarks marks p50, p95 and the last observer's latency.
func statMarks(s *Summary) []plots.Mark {
	var out []plots.Mark
	for _, m := range []struct {
		name string
		v    *float64
		c    color.Color
	}{
		{"p50", s.P50S, color.NRGBA{R: 0x1f, G: 0x3b, B: 0x99, A: 0xff}},
		{"p95", s.P95S, color.NRGBA{R: 0x6a, G: 0x1b, B: 0x9a, A: 0xff}},
		{"last", s.LastS, color.Black},
	} {
		if m.v != nil {
			out = append(out, plots.Mark{At: *m.v, Label: m.name, Legend: fmt.Sprintf("%s %.3f s", m.name, *m.v), Style: plots.DashedStyle(m.c)})
		}
	}
	return out
}

// stepRange is the time axis of a step's figures: from a little before
// the injection to a little after the last thing observed (observers
// that never noticed were waited for until the timeout, which the
// tables say; drawn to it, the figures would squeeze what happened into
// a corner).
func stepRange(s *Summary) (lo, hi float64) {
	first := 0.0
	for _, o := range s.Observations {
		for _, v := range []*float64{o.LatencyS, o.SuspectS} {
			if v != nil {
				hi = max(hi, *v)
			}
		}
		for _, tr := range o.Transitions {
			if tr.AtS >= -o.ClockErrorS-1e-6 && tr.AtS <= s.TimeoutS {
				hi = max(hi, tr.AtS)
				first = min(first, tr.AtS)
			}
		}
	}
	if hi <= 0 {
		hi = max(s.TimeoutS, 1) // nothing observed: the whole wait
	}
	hi *= 1.08
	return min(first, 0) - 0.03*hi, hi
}

// runFigure draws a scenario's timeline: every observer's view of every
// node a step targeted, across the steps, each step's injection marked.
// It returns nil when no step was measured.
func runFigure(run *RunSummary) (*figure, error) {
	var start time.Time
	for _, st := range run.Steps {
		if st.Summary != nil && !st.Summary.Injected.IsZero() && (start.IsZero() || st.Summary.Injected.Before(start)) {
			start = st.Summary.Injected
		}
	}
	if start.IsZero() {
		return nil, nil
	}
	byNode := map[string][]timedTransition{}
	var marks []plots.Mark
	hi := 0.0
	for i, st := range run.Steps {
		s := st.Summary
		if s == nil || s.Injected.IsZero() {
			continue
		}
		off := s.Injected.Sub(start).Seconds()
		marks = append(marks, plots.Mark{At: off, Label: fmt.Sprintf("%d %s", i+1, s.Action), Style: plots.InjectionStyle})
		_, end := stepRange(s)
		hi = max(hi, off+end)
		for _, o := range s.Observations {
			if _, ok := byNode[o.Node]; !ok {
				byNode[o.Node] = nil
			}
			for _, tr := range o.Transitions {
				if isMembership(tr.Type) {
					byNode[o.Node] = append(byNode[o.Node], timedTransition{subject: tr.Subject, typ: tr.Type, at: off + tr.AtS})
				}
			}
		}
	}
	tl := &plots.Timeline{States: timelineStates()}
	for _, n := range slices.SortedFunc(maps.Keys(byNode), compareNames) {
		tl.Rows = append(tl.Rows, plots.TimelineRow{Label: n, Steps: rowSteps(dedupe(byNode[n]), 0, stateAlive)})
	}
	p := plots.New(fmt.Sprintf("Scenario %s, seed %d", run.Scenario, run.Seed), "time since the first step's injection (s)", "observer")
	p.X.Min, p.X.Max = -0.02*hi, hi
	p.X.Tick.Marker = plots.Ticks{}
	h, pitch := plots.TimelineHeight(len(tl.Rows))
	tl.Configure(p, pitch)
	p.Add(tl)
	im, err := plots.Draw(plots.Figure{Plot: p, Height: h, Marks: marks})
	if err != nil {
		return nil, fmt.Errorf("scenario timeline: %w", err)
	}
	return &figure{base: TimelineBase, title: "Timeline", image: im,
		caption: "What each observer recorded about the nodes the steps targeted, across the scenario: the share of those nodes in each state; each step's injection is marked with its number."}, nil
}

// dedupe sorts transitions by time and drops repeats: two steps may both
// hold one journal entry (the state at one step's injection is often the
// last change of the step before).
func dedupe(trs []timedTransition) []timedTransition {
	slices.SortStableFunc(trs, func(a, b timedTransition) int {
		return cmp.Or(cmp.Compare(a.at, b.at), strings.Compare(a.subject, b.subject), strings.Compare(a.typ, b.typ))
	})
	return slices.CompactFunc(trs, func(a, b timedTransition) bool {
		return a.subject == b.subject && a.typ == b.typ && math.Abs(a.at-b.at) < 1e-5
	})
}
