package plots

import (
	"math"
	"slices"

	"gonum.org/v1/plot/plotter"
)

// MaxCDFSteps bounds the steps of a CDF curve: past it, one step stands
// for several values (a million observers would make a 100 MB SVG).
const MaxCDFSteps = 4000

// ECDF returns the empirical CDF of values as a step line from (0, 0):
// the fraction of total at or below each value, at most MaxCDFSteps steps
// (the last one on the last value). Infinite or NaN values (never
// reached) count in total but add no step, so that the curve ends below
// 1; total below len(values) is taken as len(values).
func ECDF(values []float64, total int) plotter.XYs {
	vs := slices.Clone(values)
	slices.Sort(vs)
	total = max(total, len(vs))
	start := 0.0
	if len(vs) > 0 && vs[0] < 0 && !math.IsInf(vs[0], -1) {
		start = vs[0] // a value a little before the origin (clock uncertainty)
	}
	xys := plotter.XYs{{X: start, Y: 0}}
	if total == 0 {
		return xys
	}
	finite := slices.DeleteFunc(vs, func(v float64) bool { return math.IsInf(v, 0) || math.IsNaN(v) })
	stride := max(1, (len(finite)+MaxCDFSteps-1)/MaxCDFSteps)
	for i := stride - 1; i < len(finite)+stride-1; i += stride {
		i = min(i, len(finite)-1) // end on the last value
		v := finite[i]
		prev := xys[len(xys)-1].Y
		xys = append(xys, plotter.XY{X: v, Y: prev}, plotter.XY{X: v, Y: float64(i+1) / float64(total)})
	}
	return xys
}
