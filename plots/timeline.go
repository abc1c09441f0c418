package plots

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
)

// State is a state a subject can be in, as drawn: its legend name and
// its colour.
type State struct {
	Name  string
	Color color.Color
}

// TimelineStep says how many of a row's subjects are in each state (the
// index into Timeline.States) from At until the next step.
type TimelineStep struct {
	At     float64
	Counts []int
}

// TimelineRow is one row: an observer and how its view of its subjects
// changed. Before its first step a row is blank.
type TimelineRow struct {
	Label string
	Steps []TimelineStep
}

// Timeline is a plot.Plotter that draws one row per observer, top to
// bottom in the order of Rows, each row split in height by the share of
// its subjects in each state (first state at the bottom). Configure sets
// up the plot's y axis and legend for it.
type Timeline struct {
	States []State
	Rows   []TimelineRow
	// Pitch is the height of a row, set by Configure; it decides the gap
	// between rows and how many row labels are written.
	Pitch vg.Length
}

// Sizes of timeline rows.
const (
	timelineMaxPitch  = 40 // points: a row of a small lab
	timelinePitch     = 11 // points: a row with a label that never touches the next
	timelineMinData   = 160
	timelineMaxData   = 900
	timelineChrome    = 120 // title, mark labels, x axis: points around the data
	timelineLabelSize = 8
	// rasterAbove: more rectangles than this are painted into an image.
	rasterAbove = 4000
)

// TimelineHeight returns the height of a timeline figure of n rows and
// the height of one row: 11 points a row up to about 80 rows, then
// thinner rows in a figure of at most 14.2 inches.
func TimelineHeight(n int) (height, pitch vg.Length) {
	n = max(n, 1)
	data := min(max(float64(n)*timelinePitch, timelineMinData), timelineMaxData)
	pitch = vg.Points(min(data/float64(n), timelineMaxPitch))
	return vg.Points(data + timelineChrome), pitch
}

// Configure sets p's y axis to one row per Rows entry, labelled (every
// k-th row when rows are too thin for every label), and adds a legend
// entry for every state that some row shows within p's x range: set that
// range first.
func (t *Timeline) Configure(p *plot.Plot, pitch vg.Length) {
	t.Pitch = pitch
	n := len(t.Rows)
	p.Y.Min, p.Y.Max = -0.5, float64(max(n, 1))-0.5
	every := max(1, int(math.Ceil((timelineLabelSize+1.5)/pitch.Points())))
	var ticks plot.ConstantTicks
	for i, r := range t.Rows {
		label := ""
		if i%every == 0 {
			label = r.Label
		}
		ticks = append(ticks, plot.Tick{Value: t.y(i), Label: label})
	}
	p.Y.Tick.Marker = ticks
	p.Y.Tick.Label.Font.Size = vg.Points(timelineLabelSize)
	p.Y.Tick.Length = 0
	used := make([]bool, len(t.States))
	for _, r := range t.Rows {
		for j, s := range r.Steps {
			if !t.visible(r, j, p) {
				continue
			}
			for k, c := range s.Counts {
				if c > 0 && k < len(used) {
					used[k] = true
				}
			}
		}
	}
	for k, st := range t.States {
		if used[k] {
			p.Legend.Add(st.Name, Swatch{Color: st.Color})
		}
	}
}

// y is the centre of row i: the first row on top.
func (t *Timeline) y(i int) float64 { return float64(len(t.Rows) - 1 - i) }

// Plot implements plot.Plotter.
func (t *Timeline) Plot(c vgdraw.Canvas, p *plot.Plot) {
	gap := 0.0
	if t.Pitch >= vg.Points(5) {
		gap = min(0.2, 1.5/t.Pitch.Points()) // of a row
	}
	if t.rects(p) <= rasterAbove {
		t.paint(c, p, gap, func(x0, x1, y0, y1 vg.Length, col color.Color) {
			c.FillPolygon(col, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
		})
		return
	}
	scale := 2.0 // pixels per point in an SVG
	if d, ok := c.Canvas.(interface{ DPI() float64 }); ok {
		scale = d.DPI() / 72
	}
	size := c.Size()
	w, h := int(math.Round(size.X.Points()*scale)), int(math.Round(size.Y.Points()*scale))
	if w <= 0 || h <= 0 {
		return
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	px := func(l vg.Length) int { return int(math.Round(l.Points() * scale)) }
	t.paint(c, p, gap, func(x0, x1, y0, y1 vg.Length, col color.Color) {
		r := image.Rect(px(x0-c.Min.X), px(c.Max.Y-y1), px(x1-c.Min.X), px(c.Max.Y-y0))
		draw.Draw(img, r, image.NewUniform(col), image.Point{}, draw.Src)
	})
	c.DrawImage(c.Rectangle, img)
}

// rects counts the rectangles the rows need within the x range.
func (t *Timeline) rects(p *plot.Plot) int {
	n := 0
	for _, r := range t.Rows {
		for j, s := range r.Steps {
			if !t.visible(r, j, p) {
				continue
			}
			for _, c := range s.Counts {
				if c > 0 {
					n++
				}
			}
		}
	}
	return n
}

// span is step j's extent within the x range.
func (t *Timeline) span(r TimelineRow, j int, p *plot.Plot) (from, to float64) {
	from, to = r.Steps[j].At, p.X.Max
	if j+1 < len(r.Steps) {
		to = r.Steps[j+1].At
	}
	return max(from, p.X.Min), min(to, p.X.Max)
}

func (t *Timeline) visible(r TimelineRow, j int, p *plot.Plot) bool {
	from, to := t.span(r, j, p)
	return to > from
}

// paint calls fill for every coloured rectangle of every row.
func (t *Timeline) paint(c vgdraw.Canvas, p *plot.Plot, gap float64, fill func(x0, x1, y0, y1 vg.Length, col color.Color)) {
	for i, r := range t.Rows {
		lo, hi := t.y(i)-0.5+gap/2, t.y(i)+0.5-gap/2
		for j, s := range r.Steps {
			if !t.visible(r, j, p) {
				continue
			}
			from, to := t.span(r, j, p)
			x0, x1 := c.X(p.X.Norm(from)), c.X(p.X.Norm(to))
			total := 0
			for _, n := range s.Counts {
				total += max(n, 0)
			}
			if total == 0 {
				continue
			}
			cum := 0
			for k, n := range s.Counts {
				if n <= 0 || k >= len(t.States) {
					continue
				}
				f0, f1 := float64(cum)/float64(total), float64(cum+n)/float64(total)
				cum += n
				y0, y1 := c.Y(p.Y.Norm(lo+f0*(hi-lo))), c.Y(p.Y.Norm(lo+f1*(hi-lo)))
				fill(x0, x1, y0, y1, t.States[k].Color)
			}
		}
	}
}
