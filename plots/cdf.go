package plots

import (
	"math"
	"slices"

	"gonum.org/v1/plot/plotter"
)

// ECDF returns the empirical CDF of values as a step line from (0, 0):
// the fraction of total at or below each value. Infinite or NaN values
// (never reached) count in total but add no step, so that the curve ends
// below 1; total below len(values) is taken as len(values).
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
	n := 0
	for _, v := range vs {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			continue
		}
		n++
		prev := xys[len(xys)-1].Y
		xys = append(xys, plotter.XY{X: v, Y: prev}, plotter.XY{X: v, Y: float64(n) / float64(total)})
	}
	return xys
}
