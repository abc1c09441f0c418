package report

import (
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/internal/golden"
)

// sample holds every kind of block, and text that HTML must escape.
func sample() Doc {
	d := Doc{Title: "Report: <b>N=52</b> & more"}
	d.Note(B("Incomplete run"), T(": it was interrupted."))
	d.Para(T("Made by "), C("bench converge --name \"x<y\""), T(" on a "), E("shared"), T(" machine."))
	d.Heading(2, "Event: join")
	d.Table(Table{
		Head:  []string{"backend", "N", "t50 (s)"},
		Align: []Align{Left, Right},
		Rows:  [][]Cell{Cells("memberlist", "52", "0.279 [0.231, 0.308]"), {{Text: "sim"}, {Text: "52"}, {Text: "no", Strong: true}}},
	})
	d.Figure(Figure{Base: "curve-join-n52", Title: "Convergence curve, join, N=52", Caption: "% informed <against> time.",
		SVG: []byte(`<svg width="10pt" height="10pt" viewBox="0 0 10 10"><text>a &lt; b</text></svg>`)})
	d.Heading(3, "Files")
	d.List([]Span{C("samples.csv"), T(": one line per sample.")}, []Span{T("<script>alert(1)</script>")})
	return d
}

func TestMarkdownGolden(t *testing.T) {
	golden.Check(t, "sample.md", Markdown(sample()))
}

func TestHTMLGolden(t *testing.T) {
	page, err := HTML(sample())
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "sample.html", page)
	for _, bad := range []string{"<script>", "<b>N=52</b>", `"x<y"`} {
		if strings.Contains(string(page), bad) {
			t.Errorf("page holds %q unescaped", bad)
		}
	}
	if !strings.Contains(string(page), `<svg width="10pt" height="10pt" viewBox="0 0 10 10"><text>a &lt; b</text></svg>`) {
		t.Error("the figure's SVG is not inline as it was")
	}
}
