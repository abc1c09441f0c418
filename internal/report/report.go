package report

// Doc is a report: a title and its blocks in order.
type Doc struct {
	Title  string
	Blocks []Block
}

// Block is one part of a report; exactly one field is set.
type Block struct {
	Heading *Heading
	Para    *Para
	Table   *Table
	Figure  *Figure
	List    *List
}

// Heading is a section title; Level 2 is a section, 3 a subsection.
type Heading struct {
	Level int
	Text  string
}

// Para is a paragraph; a Note stands out (a blockquote in Markdown).
type Para struct {
	Spans []Span
	Note  bool
}

// Style is how a span of text is set.
type Style int

// Span styles.
const (
	Plain Style = iota
	Code
	Strong
	Emphasis
)

// Span is a run of text in one style.
type Span struct {
	Text  string
	Style Style
}

// T, C, B and E make plain, code, strong and emphasised spans.
func T(s string) Span { return Span{Text: s} }

// C makes a code span.
func C(s string) Span { return Span{Text: s, Style: Code} }

// B makes a strong span.
func B(s string) Span { return Span{Text: s, Style: Strong} }

// E makes an emphasised span.
func E(s string) Span { return Span{Text: s, Style: Emphasis} }

// Align is a table column's alignment.
type Align int

// Column alignments.
const (
	Left Align = iota
	Right
)

// Table is a table with a header row; Align has one entry per column
// (missing ones are Left).
type Table struct {
	Head  []string
	Align []Align
	Rows  [][]Cell
}

// Cell is one table cell.
type Cell struct {
	Text   string
	Strong bool
}

// Cells makes a row of plain cells.
func Cells(texts ...string) []Cell {
	out := make([]Cell, len(texts))
	for i, t := range texts {
		out[i] = Cell{Text: t}
	}
	return out
}

// Figure is a plot saved as Base.png and Base.svg beside the report; SVG
// is its <svg> element, inlined in the HTML page.
type Figure struct {
	Base, Title, Caption string
	SVG                  []byte
}

// List is a bulleted list, one item of spans per entry.
type List struct {
	Items [][]Span
}

// Heading adds a heading.
func (d *Doc) Heading(level int, text string) {
	d.Blocks = append(d.Blocks, Block{Heading: &Heading{Level: level, Text: text}})
}

// Para adds a paragraph.
func (d *Doc) Para(spans ...Span) { d.Blocks = append(d.Blocks, Block{Para: &Para{Spans: spans}}) }

// Note adds a paragraph that stands out: a warning.
func (d *Doc) Note(spans ...Span) {
	d.Blocks = append(d.Blocks, Block{Para: &Para{Spans: spans, Note: true}})
}

// Table adds a table.
func (d *Doc) Table(t Table) { d.Blocks = append(d.Blocks, Block{Table: &t}) }

// Figure adds a figure.
func (d *Doc) Figure(f Figure) { d.Blocks = append(d.Blocks, Block{Figure: &f}) }

// List adds a list.
func (d *Doc) List(items ...[]Span) { d.Blocks = append(d.Blocks, Block{List: &List{Items: items}}) }

// Figures returns the figures of d in order.
func (d *Doc) Figures() []Figure {
	var out []Figure
	for _, b := range d.Blocks {
		if b.Figure != nil {
			out = append(out, *b.Figure)
		}
	}
	return out
}
