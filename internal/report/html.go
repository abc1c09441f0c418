package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
)

//go:embed report.html.tmpl
var pageTemplate string

// HTML renders d as one self-contained page: the figures' SVG inline,
// the style in the page, no script and nothing fetched from elsewhere
// (figure captions link the PNG and SVG files beside the page).
func HTML(d Doc) ([]byte, error) {
	t, err := template.New("report").Parse(pageTemplate)
	if err != nil {
		return nil, fmt.Errorf("parse report template: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("render report %q: %w", d.Title, err)
	}
	return b.Bytes(), nil
}

// Right reports whether column i is right-aligned (for the template).
func (t *Table) Right(i int) bool { return t.align(i) == Right }

// Inline is the figure's SVG as markup for the template. The SVG comes
// from gonum/plot, which escapes every text it draws.
func (f *Figure) Inline() template.HTML { return template.HTML(f.SVG) }
