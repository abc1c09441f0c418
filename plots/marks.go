package plots

import (
	"image/color"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Mark is a vertical line across the data at X = At: an injection, a
// percentile, a scenario's step.
type Mark struct {
	At float64
	// Label is short text written above the data at the line ("p50").
	Label string
	// Legend, when set, is the mark's legend entry ("p50 = 6.812 s").
	Legend string
	Style  draw.LineStyle
}

// Line styles for marks.
var (
	// InjectionStyle is a solid black line.
	InjectionStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(1.2)}
)

// DashedStyle is a dashed line of colour c.
func DashedStyle(c color.Color) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(4), vg.Points(2)}}
}

// Thumbnail implements plot.Thumbnailer: a short horizontal line.
func (m Mark) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(m.Style, c.Min.X, y, c.Max.X, y)
}

const (
	markFontSize = 8
	maxMarkRows  = 4
)

func markStyle() text.Style {
	return text.Style{Font: labelFont(vg.Points(markFontSize)), Handler: plot.DefaultTextHandler, Color: color.Black}
}

// placedMark is a mark's label with its position above the data.
type placedMark struct {
	m     Mark
	x     vg.Length // the line
	tx    vg.Length // the label's left edge
	row   int
	width vg.Length
}

// placeMarks lays the labels of the marks inside the x range out in rows
// above the data, a label going to the first row where it overlaps no
// other; past maxMarkRows rows labels share the last one.
func placeMarks(marks []Mark, p *plot.Plot, data draw.Canvas) []placedMark {
	sty := markStyle()
	var out []placedMark
	for _, m := range marks {
		if m.At < p.X.Min || m.At > p.X.Max {
			continue
		}
		pm := placedMark{m: m, x: data.X(p.X.Norm(m.At))}
		if m.Label != "" {
			pm.width = sty.Rectangle(m.Label).Max.X
		}
		pm.tx = pm.x + vg.Points(1.5)
		if pm.tx+pm.width > data.Max.X {
			pm.tx = pm.x - vg.Points(1.5) - pm.width
		}
		out = append(out, pm)
	}
	slices.SortStableFunc(out, func(a, b placedMark) int {
		switch {
		case a.tx < b.tx:
			return -1
		case a.tx > b.tx:
			return 1
		}
		return 0
	})
	var ends []vg.Length // right end of the last label of each row
	for i := range out {
		if out[i].width == 0 {
			continue
		}
		row := len(ends)
		for r, end := range ends {
			if out[i].tx > end+vg.Points(3) {
				row = r
				break
			}
		}
		if row == maxMarkRows {
			row = maxMarkRows - 1
		}
		if row == len(ends) {
			ends = append(ends, 0)
		}
		out[i].row = row
		ends[row] = out[i].tx + out[i].width
	}
	return out
}

func markRowHeight() vg.Length { return vg.Points(markFontSize + 2) }

// marksHeadroom is the height the mark labels need above the data.
func marksHeadroom(marks []Mark, p *plot.Plot, data draw.Canvas) vg.Length {
	rows := 0
	for _, pm := range placeMarks(marks, p, data) {
		if pm.width > 0 {
			rows = max(rows, pm.row+1)
		}
	}
	if rows == 0 {
		return 0
	}
	return vg.Length(rows)*markRowHeight() + vg.Points(2)
}

// drawMarks draws the lines across data and their labels above it, the
// first row nearest the data.
func drawMarks(marks []Mark, p *plot.Plot, data draw.Canvas) {
	sty := markStyle()
	for _, pm := range placeMarks(marks, p, data) {
		data.StrokeLine2(pm.m.Style, pm.x, data.Min.Y, pm.x, data.Max.Y)
		if pm.width == 0 {
			continue
		}
		y := data.Max.Y + vg.Points(2) + vg.Length(pm.row)*markRowHeight()
		data.FillText(sty, vg.Point{X: pm.tx, Y: y + vg.Points(1)}, pm.m.Label)
	}
}
