package bench

import (
	"math"
	"slices"
)

// Backend names known to the comparisons. Measured backends are compared
// against; model backends are the ones judged.
const (
	BackendMemberlist  = "memberlist"
	BackendLab         = "lab"
	BackendSim         = "sim"
	BackendSerfFormula = "serf-formula"
	// BackendLowerBound holds the simulator's statistical lower bound on
	// dissemination time; it is drawn as a reference, never judged.
	BackendLowerBound = "lower-bound"
)

var (
	measuredBackends = []string{BackendLab, BackendMemberlist} // preferred first
	modelBackends    = []string{BackendSim, BackendSerfFormula}
)

// ErrorRow is one model's error against the measurement at one percentile.
type ErrorRow struct {
	Model      string
	Measured   string // the measured backend compared against
	Event      Event
	N          int
	Percentile float64
	ModelValue *float64 // seconds; nil when not reached
	Measure    *float64 // seconds; nil when not reached
	Error      *float64 // ModelValue - Measure, seconds
	Relative   *float64 // Error / Measure
	// Tolerance is the simulator's accuracy target in seconds, zero when
	// there is none for this percentile; Within tells if it is met.
	Tolerance float64
	Within    bool
}

// Compare lines up every model group with the measured group of the same
// event and N. It returns no rows when nothing was measured.
func Compare(groups []Group) []ErrorRow {
	idx := map[Key]Group{}
	for _, g := range groups {
		idx[g.Key()] = g
	}
	var rows []ErrorRow
	for _, model := range modelBackends {
		for _, g := range groups {
			if g.Backend != model {
				continue
			}
			meas, ok := Group{}, false
			for _, mb := range measuredBackends {
				if meas, ok = idx[Key{mb, g.Event, g.N}]; ok {
					break
				}
			}
			if !ok {
				continue
			}
			for _, p := range Percentiles {
				r := ErrorRow{Model: model, Measured: meas.Backend, Event: g.Event, N: g.N, Percentile: p,
					ModelValue: g.Percentile(p).Value, Measure: meas.Percentile(p).Value}
				if r.ModelValue != nil && r.Measure != nil {
					e := *r.ModelValue - *r.Measure
					r.Error = &e
					if *r.Measure > 0 {
						rel := e / *r.Measure
						r.Relative = &rel
					}
					r.Tolerance = tolerance(g.Event, p, *r.Measure)
					r.Within = r.Tolerance > 0 && math.Abs(e) <= r.Tolerance
				}
				rows = append(rows, r)
			}
		}
	}
	return rows
}

// tolerance is the simulator's accuracy target: join, leave and user t50 and t95
// within max(10%, 0.2 s), t99 within max(15%, 0.2 s); a crash within 1 s,
// which the issue states for first-dead (t0) and all-dead (t100) and
// bench applies to the percentiles between them as well. t0 and t100 of
// the other events have no target: they are printed, not judged.
func tolerance(ev Event, p, measured float64) float64 {
	if ev == EventFail {
		return 1
	}
	switch p {
	case 50, 95:
		return max(0.10*measured, 0.2)
	case 99:
		return max(0.15*measured, 0.2)
	}
	return 0
}

// modelsIn returns the model backends that have rows, in order.
func modelsIn(rows []ErrorRow) []string {
	var out []string
	for _, m := range modelBackends {
		if slices.ContainsFunc(rows, func(r ErrorRow) bool { return r.Model == m }) {
			out = append(out, m)
		}
	}
	return out
}
