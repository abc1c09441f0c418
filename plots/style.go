package plots

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Sizes of a figure: the default width and height (data, axes and the
// legend column together).
const (
	Width  = 8 * vg.Inch
	Height = 4.5 * vg.Inch
)

// New returns an empty plot in the project's style: title, axis labels
// (with their units) and a grid.
func New(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Add(plotter.NewGrid())
	return p
}

// Color is the i-th colour of the palette, stable across figures.
func Color(i int) color.Color { return plotutil.Color(i) }

// Translucent returns c with alpha a (0-255), for bands behind a curve.
func Translucent(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

// Swatch is a legend thumbnail: a filled square of one colour.
type Swatch struct{ Color color.Color }

// Thumbnail implements plot.Thumbnailer.
func (s Swatch) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	h := r.Max.Y - r.Min.Y
	w := min(h, r.Max.X-r.Min.X)
	x0 := r.Max.X - w
	c.FillPolygon(s.Color, []vg.Point{{X: x0, Y: r.Min.Y}, {X: r.Max.X, Y: r.Min.Y}, {X: r.Max.X, Y: r.Max.Y}, {X: x0, Y: r.Max.Y}})
}
