package bench

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/gossiplab/gossiplab/internal/report"
)

// accuracyLine is one row of the side-by-side table: one event, N and
// percentile, the measurement and every model's value and error.
type accuracyLine struct {
	event    Event
	n        int
	p        float64
	measured *float64
	source   string // the measured backend
	models   map[string]ErrorRow
}

// addAccuracy adds the models side by side against the measurement, one
// line per N, event and percentile (the README's accuracy table is copied
// from it): value and error of each model, and whether each meets issue
// 7's target. It adds nothing when no model was compared.
func addAccuracy(d *report.Doc, rows []ErrorRow) {
	models := modelsIn(rows)
	if len(models) == 0 {
		return
	}
	var lines []*accuracyLine
	idx := map[Key]map[float64]*accuracyLine{}
	for _, r := range rows {
		k := Key{Event: r.Event, N: r.N}
		if idx[k] == nil {
			idx[k] = map[float64]*accuracyLine{}
		}
		l := idx[k][r.Percentile]
		if l == nil {
			l = &accuracyLine{event: r.Event, n: r.N, p: r.Percentile, measured: r.Measure, source: r.Measured, models: map[string]ErrorRow{}}
			idx[k][r.Percentile] = l
			lines = append(lines, l)
		}
		l.models[r.Model] = r
	}
	slices.SortStableFunc(lines, func(a, b *accuracyLine) int {
		return cmp.Or(cmp.Compare(a.n, b.n), cmp.Compare(slices.Index(Events, a.event), slices.Index(Events, b.event)),
			cmp.Compare(slices.Index(Percentiles, a.p), slices.Index(Percentiles, b.p)))
	})

	d.Heading(2, "Models side by side")
	d.Para(report.T("Every model against the measurement, one line per N, event and percentile; error is model minus measured, in seconds and percent. " +
		"\"within\" tells whether the model meets the simulator's accuracy target (defined below; - : no target for this percentile)."))
	t := report.Table{Head: []string{"N", "event", "stat", "measured (s)"}, Align: []report.Align{report.Right, report.Left, report.Left, report.Right}}
	for _, m := range models {
		t.Head = append(t.Head, m+" (s)", m+" error")
		t.Align = append(t.Align, report.Right, report.Right)
	}
	t.Head = append(t.Head, "target (s)")
	t.Align = append(t.Align, report.Right)
	for _, m := range models {
		t.Head = append(t.Head, m+" within")
		t.Align = append(t.Align, report.Left)
	}
	for _, l := range lines {
		row := report.Cells(fmt.Sprint(l.n), string(l.event), statName(l.event, l.p), fmtSeconds(l.measured))
		tol := 0.0
		var within []report.Cell
		for _, m := range models {
			r, ok := l.models[m]
			if !ok {
				row = append(row, report.Cells("-", "-")...)
				within = append(within, report.Cell{Text: "-"})
				continue
			}
			tol = max(tol, r.Tolerance)
			row = append(row, report.Cells(fmtSeconds(r.ModelValue), fmtError(r))...)
			within = append(within, withinCell(r))
		}
		row = append(row, report.Cell{Text: fmtTolerance(tol)})
		t.Rows = append(t.Rows, append(row, within...))
	}
	d.Table(t)
}

// statName names percentile p of ev: t0 is a crash's first-dead and t100
// its all-dead.
func statName(ev Event, p float64) string {
	switch {
	case ev == EventFail && p == 0:
		return "t0 (first-dead)"
	case ev == EventFail && p == 100:
		return "t100 (all-dead)"
	case p == 0:
		return "t0 (first)"
	}
	return fmt.Sprintf("t%g", p)
}

// fmtError writes a model's error in seconds and percent.
func fmtError(r ErrorRow) string {
	if r.Error == nil {
		return "-"
	}
	if r.Relative == nil {
		return fmtSigned(r.Error)
	}
	return fmtSigned(r.Error) + " (" + fmtPercent(r.Relative) + ")"
}
