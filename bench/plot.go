package bench

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/gossiplab/gossiplab/plots"
)

// Figure is a plot written to the results directory as <Base>.png and
// <Base>.svg.
type Figure struct {
	Event   Event
	Kind    string // curve, cdf, converge or error
	Base    string
	Title   string
	Caption string
	// SVG is the figure's <svg> element, for report.html.
	SVG []byte
}

// savePlot writes p as <base>.png and <base>.svg into d and returns its
// inline SVG.
func savePlot(d Dir, base string, p *plot.Plot) ([]byte, error) {
	im, err := plots.Draw(plots.Figure{Plot: p})
	if err != nil {
		return nil, fmt.Errorf("plot %s: %w", base, err)
	}
	if err := im.Write(d.Path, base); err != nil {
		return nil, err
	}
	return im.InlineSVG(), nil
}

// style assigns each backend a stable colour and dash pattern.
type style struct{ backends []string }

func (s style) color(backend string) color.Color {
	return plots.Color(slices.Index(s.backends, backend))
}

func (s style) dashes(backend string) []vg.Length {
	if backend == BackendLowerBound {
		return []vg.Length{vg.Points(4), vg.Points(3)}
	}
	return nil
}

// line returns the backend's line through xys.
func (s style) line(backend string, xys plotter.XYs) (*plotter.Line, error) {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil, err
	}
	l.Color = s.color(backend)
	l.Width = vg.Points(1.5)
	l.Dashes = s.dashes(backend)
	return l, nil
}

func (s style) band(backend string) color.Color {
	return plots.Translucent(s.color(backend), 60)
}

// curvePlot draws the % of observers informed against time: per backend
// the median over runs and a p5-p95 band.
func curvePlot(groups []group, st style) (*plot.Plot, error) {
	k := groups[0].Key
	p := plots.New(fmt.Sprintf("Convergence: %s, N=%d", k.Event, k.N), "time since injection (s)", "observers informed (%)")
	tmax := 0.0
	for _, g := range groups {
		for _, r := range g.runs {
			for _, v := range runLatencies(r) {
				if !math.IsInf(v, 1) {
					tmax = max(tmax, v)
				}
			}
		}
	}
	if tmax == 0 {
		tmax = 1
	}
	tmax *= 1.05
	const steps = 200
	for _, g := range groups {
		lats := make([][]float64, len(g.runs))
		for i, r := range g.runs {
			lats[i] = runLatencies(r)
		}
		med := make(plotter.XYs, steps+1)
		lo := make(plotter.XYs, steps+1)
		hi := make(plotter.XYs, steps+1)
		frac := make([]float64, len(lats))
		for s := 0; s <= steps; s++ {
			t := tmax * float64(s) / steps
			for i, l := range lats {
				frac[i] = 100 * informedAt(l, t)
			}
			slices.Sort(frac)
			med[s] = plotter.XY{X: t, Y: quantile(frac, 0.5)}
			lo[s] = plotter.XY{X: t, Y: quantile(frac, 0.05)}
			hi[s] = plotter.XY{X: t, Y: quantile(frac, 0.95)}
		}
		if len(lats) > 1 {
			ring := append(slices.Clone(hi), reversed(lo)...)
			poly, err := plotter.NewPolygon(ring)
			if err != nil {
				return nil, err
			}
			poly.Color = st.band(g.Backend)
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
		line, err := st.line(g.Backend, med)
		if err != nil {
			return nil, err
		}
		p.Add(line)
		p.Legend.Add(fmt.Sprintf("%s (%d runs)", g.Backend, len(g.runs)), line)
	}
	p.Y.Min, p.Y.Max = 0, 100
	p.X.Min = 0
	p.X.Tick.Marker = plots.Ticks{}
	return p, nil
}

func reversed(xys plotter.XYs) plotter.XYs {
	out := slices.Clone(xys)
	slices.Reverse(out)
	return out
}

// cdfPlot draws the empirical CDF of per-observer latency, all runs
// pooled; observers that never learned keep the curve below 1.
func cdfPlot(groups []group, st style) (*plot.Plot, error) {
	k := groups[0].Key
	p := plots.New(fmt.Sprintf("Per-observer latency CDF: %s, N=%d", k.Event, k.N), "latency (s)", "fraction of observers")
	for _, g := range groups {
		var all []float64
		for _, r := range g.runs {
			all = append(all, runLatencies(r)...)
		}
		line, err := st.line(g.Backend, plots.ECDF(all, len(all)))
		if err != nil {
			return nil, err
		}
		p.Add(line)
		p.Legend.Add(g.Backend, line)
	}
	p.Y.Min, p.Y.Max = 0, 1
	p.X.Min = 0
	p.X.Tick.Marker = plots.Ticks{}
	return p, nil
}

// errorBars adapts points with asymmetric intervals to plotter's interfaces.
type errorBars struct {
	plotter.XYs
	plotter.YErrors
}

// convergePlot draws time to converge (t100, and t99 for reference)
// against N on a log axis, per backend with bootstrap intervals.
func convergePlot(ev Event, sums []Group, st style) (*plot.Plot, error) {
	p := plots.New(fmt.Sprintf("Time to converge against N: %s", ev), "cluster size N (nodes, log scale)", "t100, median over runs (s)")
	p.X.Scale = plot.LogScale{}
	var ticks plot.ConstantTicks
	ymax := 0.0
	for _, g := range sums {
		if g.Event == ev && !slices.ContainsFunc(ticks, func(t plot.Tick) bool { return t.Value == float64(g.N) }) {
			ticks = append(ticks, plot.Tick{Value: float64(g.N), Label: fmt.Sprint(g.N)})
		}
		if g.Event == ev && g.T100.High != nil {
			ymax = max(ymax, *g.T100.High)
		}
	}
	p.X.Tick.Marker = ticks
	for _, b := range st.backends {
		var pts errorBars
		for _, g := range sums {
			if g.Backend != b || g.Event != ev || g.T100.Value == nil {
				continue
			}
			v := *g.T100.Value
			pts.XYs = append(pts.XYs, plotter.XY{X: float64(g.N), Y: v})
			lo, hi := v, v
			if g.T100.Low != nil {
				lo = *g.T100.Low
			}
			if g.T100.High != nil {
				hi = *g.T100.High
			}
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{v - lo, hi - v})
		}
		if len(pts.XYs) == 0 {
			continue
		}
		line, scatter, err := plotter.NewLinePoints(pts.XYs)
		if err != nil {
			return nil, err
		}
		line.Color, scatter.Color = st.color(b), st.color(b)
		line.Width = vg.Points(1.5)
		line.Dashes = st.dashes(b)
		p.Add(line, scatter)
		if b != BackendLowerBound {
			eb, err := plotter.NewYErrorBars(pts)
			if err != nil {
				return nil, err
			}
			eb.Color = st.color(b)
			p.Add(eb)
		}
		p.Legend.Add(b, line, scatter)
	}
	p.Y.Min = 0
	p.Y.Max = 1.05 * ymax
	if ymax == 0 {
		p.Y.Max = 1 // no backend reached t100: an empty plot, not a panic
	}
	// The x range from the sizes, not the points: with none (no t100) the
	// default range reaches below 0, which a log axis cannot draw.
	for i, tk := range ticks {
		if i == 0 || tk.Value < p.X.Min {
			p.X.Min = tk.Value
		}
		if i == 0 || tk.Value > p.X.Max {
			p.X.Max = tk.Value
		}
	}
	p.X.Min, p.X.Max = p.X.Min/1.2, p.X.Max*1.2
	return p, nil
}

// errorPlot draws each model's error (model - measured, seconds) per
// percentile, one line per model and N.
func errorPlot(ev Event, rows []ErrorRow, st style) (*plot.Plot, error) {
	p := plots.New(fmt.Sprintf("Model error against measurement: %s", ev), "percentile of observers", "model - measured (s)")
	labels := make([]string, len(Percentiles))
	for i, pc := range Percentiles {
		labels[i] = fmt.Sprintf("t%g", pc)
	}
	p.NominalX(labels...)
	type series struct {
		model string
		n     int
	}
	var order []series
	pts := map[series]plotter.XYs{}
	for _, r := range rows {
		if r.Event != ev || r.Error == nil {
			continue
		}
		s := series{r.Model, r.N}
		if _, ok := pts[s]; !ok {
			order = append(order, s)
		}
		pts[s] = append(pts[s], plotter.XY{X: float64(slices.Index(Percentiles, r.Percentile)), Y: *r.Error})
	}
	ns := []int{}
	for _, s := range order {
		if !slices.Contains(ns, s.n) {
			ns = append(ns, s.n)
		}
	}
	for _, s := range order {
		line, scatter, err := plotter.NewLinePoints(pts[s])
		if err != nil {
			return nil, err
		}
		line.Color, scatter.Color = st.color(s.model), st.color(s.model)
		line.Dashes = plotutil.Dashes(slices.Index(ns, s.n))
		scatter.Shape = plotutil.Shape(slices.Index(ns, s.n))
		p.Add(line, scatter)
		p.Legend.Add(fmt.Sprintf("%s N=%d", s.model, s.n), line, scatter)
	}
	zero := plotter.NewFunction(func(float64) float64 { return 0 })
	zero.Color = color.Gray{Y: 80}
	p.Add(zero)
	// A function has no data range: put 0 on the axis (errors of one sign
	// left it off), with a little room on both sides.
	lo, hi := math.Min(p.Y.Min, 0), math.Max(p.Y.Max, 0)
	if hi > lo {
		pad := 0.05 * (hi - lo)
		p.Y.Min, p.Y.Max = lo-pad, hi+pad
	}
	return p, nil
}
