package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func TestECDF(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name   string
		values []float64
		total  int
		want   plotter.XYs
	}{
		{name: "none", want: plotter.XYs{{X: 0, Y: 0}}},
		{name: "two of four, unsorted", values: []float64{2, 1}, total: 4,
			want: plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 0}, {X: 1, Y: 0.25}, {X: 2, Y: 0.25}, {X: 2, Y: 0.5}}},
		{name: "never counts in the total", values: []float64{1, inf}, total: 0,
			want: plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 0}, {X: 1, Y: 0.5}}},
		{name: "a value before the origin", values: []float64{-0.1, 1},
			want: plotter.XYs{{X: -0.1, Y: 0}, {X: -0.1, Y: 0}, {X: -0.1, Y: 0.5}, {X: 1, Y: 0.5}, {X: 1, Y: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ECDF(tt.values, tt.total)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestTicks(t *testing.T) {
	tests := []struct {
		name   string
		lo, hi float64
		labels []string
	}{
		{name: "seconds", lo: -0.3, hi: 9.1, labels: []string{"0", "2", "4", "6", "8"}},
		{name: "fractions", lo: 0, hi: 1.2, labels: []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "1.2"}},
		{name: "a long wait", lo: -1, hi: 95, labels: []string{"0", "20", "40", "60", "80"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var labels []string
			for _, tk := range (Ticks{}).Ticks(tt.lo, tt.hi) {
				if tk.Value < tt.lo || tk.Value > tt.hi {
					t.Errorf("tick %g outside [%g, %g]", tk.Value, tt.lo, tt.hi)
				}
				if tk.Label != "" {
					labels = append(labels, tk.Label)
				}
			}
			if diff := cmp.Diff(tt.labels, labels); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
		})
	}
}

// lineFigure is a plot whose single curve fills the data area's top right
// corner, where an inside legend would sit.
func lineFigure(t *testing.T) Figure {
	t.Helper()
	p := New("a curve", "time (s)", "fraction")
	line, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}, {X: 2, Y: 1}})
	if err != nil {
		t.Fatal(err)
	}
	line.Color = color.NRGBA{R: 255, A: 255}
	line.Width = vg.Points(3)
	p.Add(line)
	p.Legend.Add("a curve with a long legend entry", line)
	return Figure{Plot: p}
}

// The legend goes right of the data: no pixel of the legend column is
// inside the data area, and the curve keeps its colour up to the data's
// right edge.
func TestLegendOutsideData(t *testing.T) {
	f := lineFigure(t)
	im, err := Draw(f)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(im.PNG))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 768 || b.Dy() != 432 {
		t.Errorf("image %dx%d, want 768x432 (8 x 4.5 in at 96 dpi)", b.Dx(), b.Dy())
	}
	// The legend's text is in the SVG right of every data point.
	i := bytes.Index(im.SVG, []byte(">a curve with a long legend entry<"))
	if i < 0 {
		t.Fatal("no legend text")
	}
	legendX := attrBefore(t, im.SVG[:i], `<text x="`)
	dataRight := 0.0
	// The curve is the path stroked red: its last point is the data's
	// right end.
	red := bytes.Index(im.SVG, []byte("stroke:#FF0000"))
	if red < 0 {
		t.Fatal("no red curve")
	}
	path := im.SVG[bytes.LastIndex(im.SVG[:red], []byte(`<path d="`)):red]
	for _, pt := range strings.FieldsFunc(string(path[len(`<path d="`):]), func(r rune) bool { return r == 'M' || r == 'L' || r == '"' || r == ' ' }) {
		var x, y float64
		if _, err := fmt.Sscanf(pt, "%g,%g", &x, &y); err == nil {
			dataRight = max(dataRight, x)
		}
	}
	if legendX <= dataRight {
		t.Errorf("legend starts at x=%g, inside the data (right edge %g)", legendX, dataRight)
	}
	if f.Plot.Legend.Top != true || f.Plot.Title.Padding != vg.Points(6) {
		t.Error("Draw left the plot changed")
	}
}

// attrBefore reads the number after the last occurrence of prefix in b.
func attrBefore(t *testing.T, b []byte, prefix string) float64 {
	t.Helper()
	i := bytes.LastIndex(b, []byte(prefix))
	if i < 0 {
		t.Fatalf("no %q", prefix)
	}
	var v float64
	if _, err := fmt.Sscanf(string(b[i+len(prefix):]), "%g", &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// Mark labels close together go to rows of their own; far apart they
// share the first.
func TestPlaceMarks(t *testing.T) {
	p := New("", "", "")
	p.X.Min, p.X.Max = 0, 10
	data := draw.Canvas{Rectangle: vgRect(0, 0, 500, 300)}
	tests := []struct {
		name string
		at   []float64
		rows []int
	}{
		{name: "far apart", at: []float64{1, 5, 9}, rows: []int{0, 0, 0}},
		{name: "crowded", at: []float64{6.5, 6.6, 6.7}, rows: []int{0, 1, 2}},
		{name: "more than the rows", at: []float64{5, 5, 5, 5, 5, 5}, rows: []int{0, 1, 2, 3, 3, 3}},
		{name: "outside the range", at: []float64{-1, 11, 2}, rows: []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var marks []Mark
			for _, at := range tt.at {
				marks = append(marks, Mark{At: at, Label: "p95", Style: InjectionStyle})
			}
			var rows []int
			for _, pm := range placeMarks(marks, p, data) {
				rows = append(rows, pm.row)
			}
			if diff := cmp.Diff(tt.rows, rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func vgRect(x0, y0, x1, y1 float64) vg.Rectangle {
	return vg.Rectangle{Min: vg.Point{X: vg.Length(x0), Y: vg.Length(y0)}, Max: vg.Point{X: vg.Length(x1), Y: vg.Length(y1)}}
}

// timeline makes n rows of one subject each, alive then failed at a
// time of its own, or with changes state changes per row.
func timeline(n, changes int) *Timeline {
	tl := &Timeline{States: []State{{Name: "alive", Color: color.NRGBA{G: 200, A: 255}}, {Name: "failed", Color: color.NRGBA{R: 200, A: 255}}}}
	for i := range n {
		row := TimelineRow{Label: fmt.Sprintf("web_%d", i+1), Steps: []TimelineStep{{At: math.Inf(-1), Counts: []int{changes, 0}}}}
		for k := 1; k <= changes; k++ {
			row.Steps = append(row.Steps, TimelineStep{At: float64(i+k) / float64(n+changes), Counts: []int{changes - k, k}})
		}
		tl.Rows = append(tl.Rows, row)
	}
	return tl
}

func TestTimeline(t *testing.T) {
	tests := []struct {
		name    string
		rows    int
		changes int
		labels  int
		image   bool // painted into an embedded image
	}{
		{name: "3 rows", rows: 3, changes: 1, labels: 3},
		{name: "52 rows, a label each", rows: 52, changes: 1, labels: 52},
		{name: "250 rows, every third labelled", rows: 250, changes: 1, labels: 84},
		{name: "40 rows of 60 changes, painted", rows: 40, changes: 60, labels: 40, image: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := timeline(tt.rows, tt.changes)
			p := New("timeline", "time (s)", "observer")
			p.X.Min, p.X.Max = -0.1, 1.1
			h, pitch := TimelineHeight(tt.rows)
			tl.Configure(p, pitch)
			p.Add(tl)
			im, err := Draw(Figure{Plot: p, Height: h})
			if err != nil {
				t.Fatal(err)
			}
			labels := 0
			for i := range tt.rows {
				if bytes.Contains(im.SVG, []byte(fmt.Sprintf(">web_%d</text>", i+1))) {
					labels++
				}
			}
			if labels != tt.labels {
				t.Errorf("%d row labels, want %d", labels, tt.labels)
			}
			if got := bytes.Contains(im.SVG, []byte("<image")); got != tt.image {
				t.Errorf("painted into an image: %v, want %v", got, tt.image)
			}
			for _, legend := range []string{">alive</text>", ">failed</text>"} {
				if !bytes.Contains(im.SVG, []byte(legend)) {
					t.Errorf("legend lacks %s", legend)
				}
			}
			img, err := png.Decode(bytes.NewReader(im.PNG))
			if err != nil {
				t.Fatal(err)
			}
			if want := int(math.Round(h.Points() * 96 / 72)); img.Bounds().Dy() != want {
				t.Errorf("height %d pixels, want %d", img.Bounds().Dy(), want)
			}
		})
	}
}

// A plot that gonum cannot draw is an error, not a panic.
func TestDrawRecovers(t *testing.T) {
	p := New("empty log axis", "", "")
	p.X.Scale = plot.LogScale{}
	p.X.Min, p.X.Max = -1, 0
	if _, err := Draw(Figure{Plot: p}); err == nil {
		t.Error("no error")
	}
}
