package plots

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
)

// Figure is a plot with its size and the marks drawn across it.
type Figure struct {
	Plot          *plot.Plot
	Width, Height vg.Length // zero: Width, Height
	// Marks are vertical lines across the data, labelled above it and,
	// when they have a Legend, in the legend.
	Marks []Mark
}

// Image is a figure rendered in both formats.
type Image struct{ PNG, SVG []byte }

// legendGap separates the data from the legend column.
const legendGap = 8 * vg.Millimeter / 2

// Draw renders f as PNG (96 dpi) and SVG. The plot's legend is drawn in a
// column right of the data, never over it.
func Draw(f Figure) (Image, error) {
	w, h := f.Width, f.Height
	if w == 0 {
		w = Width
	}
	if h == 0 {
		h = Height
	}
	var im Image
	for _, c := range []struct {
		canvas vg.CanvasWriterTo
		out    *[]byte
	}{
		{vgimg.PngCanvas{Canvas: vgimg.New(w, h)}, &im.PNG},
		{vgsvg.New(w, h), &im.SVG},
	} {
		if err := drawOn(c.canvas, f); err != nil {
			return Image{}, err
		}
		var buf bytes.Buffer
		if _, err := c.canvas.WriteTo(&buf); err != nil {
			return Image{}, fmt.Errorf("render %q: %w", f.Plot.Title.Text, err)
		}
		*c.out = buf.Bytes()
	}
	return im, nil
}

// drawOn draws f on c: the plot without its legend in the space left of
// the legend column, then the marks, then the legend. The plot is left as
// it was found.
func drawOn(c vg.CanvasSizer, f Figure) (err error) {
	defer func() {
		// gonum/plot panics on some degenerate input (a log axis with
		// nothing to show): an error, not a crash of the caller.
		if r := recover(); r != nil {
			err = fmt.Errorf("draw %q: %v", f.Plot.Title.Text, r)
		}
	}()
	p := f.Plot
	dc := draw.New(c)
	leg := p.Legend
	for _, m := range f.Marks {
		if m.Legend != "" {
			leg.Add(m.Legend, m)
		}
	}
	var lw vg.Length
	if r := leg.Rectangle(dc); r.Max.X > r.Min.X {
		lw = r.Max.X - r.Min.X + 2*legendGap
	}
	saved, padding := p.Legend, p.Title.Padding
	defer func() { p.Legend, p.Title.Padding = saved, padding }()
	p.Legend = plot.NewLegend()
	pc := draw.Crop(dc, 0, -lw, 0, 0)
	p.Title.Padding += marksHeadroom(f.Marks, p, p.DataCanvas(pc))
	p.Draw(pc)
	data := p.DataCanvas(pc)
	drawMarks(f.Marks, p, data)
	if lw > 0 {
		leg.Top, leg.Left = true, true
		leg.XOffs, leg.YOffs = 0, 0
		lc := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: pc.Max.X + legendGap, Y: data.Min.Y},
			Max: vg.Point{X: dc.Max.X, Y: data.Max.Y},
		}}
		leg.Draw(lc)
	}
	return nil
}

// Write saves the image as dir/base.png and dir/base.svg, atomically.
func (im Image) Write(dir, base string) error {
	if err := atomicfile.WriteFile(filepath.Join(dir, base+".png"), im.PNG, 0o644); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, base+".svg"), im.SVG, 0o644)
}

// InlineSVG returns the <svg> element alone (no XML prolog), to be placed
// in an HTML page. gonum/plot escapes every text it writes into it.
func (im Image) InlineSVG() []byte {
	i := bytes.Index(im.SVG, []byte("<svg"))
	if i < 0 {
		return nil
	}
	return slices.Clone(im.SVG[i:])
}

// labelFont is the font of tick labels on crowded axes and mark labels.
func labelFont(size vg.Length) font.Font {
	f := plot.DefaultFont
	f.Size = size
	return f
}
