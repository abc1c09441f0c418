package report

import (
	"bytes"
	"strings"
)

// Markdown renders d: the title as the only level-1 heading, blocks
// separated by blank lines, tables in GitHub's pipe syntax, figures as the
// PNG with a caption linking the SVG.
func Markdown(d Doc) []byte {
	var b bytes.Buffer
	b.WriteString("# " + d.Title + "\n")
	for _, bl := range d.Blocks {
		b.WriteString("\n")
		switch {
		case bl.Heading != nil:
			b.WriteString(strings.Repeat("#", bl.Heading.Level) + " " + bl.Heading.Text + "\n")
		case bl.Para != nil:
			if bl.Para.Note {
				b.WriteString("> ")
			}
			b.WriteString(mdSpans(bl.Para.Spans) + "\n")
		case bl.Table != nil:
			mdTable(&b, bl.Table)
		case bl.Figure != nil:
			f := bl.Figure
			b.WriteString("![" + f.Title + "](" + f.Base + ".png)\n\n*" + f.Caption + "* ([SVG](" + f.Base + ".svg))\n")
		case bl.List != nil:
			for _, it := range bl.List.Items {
				b.WriteString("- " + mdSpans(it) + "\n")
			}
		}
	}
	return b.Bytes()
}

func mdSpans(spans []Span) string {
	var b strings.Builder
	for _, s := range spans {
		switch s.Style {
		case Code:
			b.WriteString("`" + s.Text + "`")
		case Strong:
			b.WriteString("**" + s.Text + "**")
		case Emphasis:
			b.WriteString("*" + s.Text + "*")
		default:
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

func mdTable(b *bytes.Buffer, t *Table) {
	b.WriteString("| " + strings.Join(t.Head, " | ") + " |\n|")
	for i := range t.Head {
		if t.align(i) == Right {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, row := range t.Rows {
		b.WriteString("|")
		for _, c := range row {
			if c.Strong {
				b.WriteString(" **" + c.Text + "** |")
			} else {
				b.WriteString(" " + c.Text + " |")
			}
		}
		b.WriteString("\n")
	}
}

func (t *Table) align(i int) Align {
	if i < len(t.Align) {
		return t.Align[i]
	}
	return Left
}
