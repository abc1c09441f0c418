package watch

import (
	"testing"
	"time"
)

// The render benchmarks draw a 250x250 matrix (web_7 failed in half the
// rows, a few suspects, one row without an answer):
//
//	go test -run '^$' -bench 'Render|Update|Stats' -benchmem ./lab/watch/
//
// Frame250: copy, figures and a 120x50 screen of folded cells, what each
// redraw of the TUI costs. Once250: the whole matrix one member a column,
// as --once prints it. Update250: one journal entry applied, then a
// frame, what a change costs end to end.
func BenchmarkFrame250(b *testing.B) {
	m := bigMatrix(250)
	p := NewPalette(nil, UnicodeGlyphs(), true)
	p = ColourPalette(p.Glyphs)
	sc := Screen{Width: 120, Height: 50, Keys: true, Events: -1, Now: t0, Loc: time.UTC}
	b.ReportAllocs()
	for b.Loop() {
		v := m.View()
		_ = Render(v, v.Stats(), sc, p).String()
	}
}

func BenchmarkOnce250(b *testing.B) {
	m := bigMatrix(250)
	p := NewPalette(nil, UnicodeGlyphs(), false)
	sc := Screen{Loc: time.UTC}
	b.ReportAllocs()
	for b.Loop() {
		v := m.View()
		_ = Render(v, v.Stats(), sc, p).String()
	}
}

func BenchmarkUpdate250(b *testing.B) {
	m := bigMatrix(250)
	p := ColourPalette(UnicodeGlyphs())
	sc := Screen{Width: 120, Height: 50, Keys: true, Events: -1, Now: t0, Loc: time.UTC}
	types := []string{"member-failed", "member-join"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Apply(i%250, Entry{Type: types[i/250%2], Member: "web_9", Recorded: t0}, t0)
		v := m.View()
		_ = Render(v, v.Stats(), sc, p).String()
		i++
	}
}

func BenchmarkApply250(b *testing.B) {
	m := bigMatrix(250)
	types := []string{"member-failed", "member-join"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Apply(i%250, Entry{Type: types[i/250%2], Member: "web_9", Recorded: t0}, t0)
		i++
	}
}

func BenchmarkStats250(b *testing.B) {
	v := bigMatrix(250).View()
	b.ReportAllocs()
	for b.Loop() {
		_ = v.Stats()
	}
}
