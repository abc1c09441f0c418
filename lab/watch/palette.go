package watch

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Palette is how the screen is drawn: a glyph per state and, with colour,
// the escape sequences that colour each state and each kind of text.
type Palette struct {
	Glyphs Glyphs
	state  [numStates]sgr
	title  sgr
	dim    sgr
	bad    sgr // an observer that gives no answer, low convergence
	warn   sgr
	good   sgr
}

// sgr is a style as the escape sequences before and after a text.
type sgr struct{ on, off string }

func (s sgr) wrap(text string) string {
	if s.on == "" {
		return text
	}
	return s.on + text + s.off
}

// NewPalette styles with r's colour profile (lipgloss.NewRenderer(out)
// detects the terminal's); colour false draws glyphs alone, as does a
// renderer whose output is not a terminal.
func NewPalette(r *lipgloss.Renderer, g Glyphs, colour bool) Palette {
	if !colour {
		r = lipgloss.NewRenderer(nil)
		r.SetColorProfile(termenv.Ascii)
	}
	fg := func(c string) lipgloss.Style { return r.NewStyle().Foreground(lipgloss.Color(c)) }
	p := Palette{Glyphs: g}
	p.state[Alive] = split(fg("2"))
	p.state[Suspect] = split(fg("3").Bold(true))
	p.state[Failed] = split(fg("1").Bold(true))
	p.state[Leaving] = split(fg("5"))
	p.state[Left] = split(fg("4"))
	p.state[Unknown] = split(fg("8"))
	p.state[NoAnswer] = split(fg("8").Reverse(true))
	p.title = split(r.NewStyle().Bold(true))
	p.dim = split(fg("8"))
	p.bad = split(fg("1").Bold(true))
	p.warn = split(fg("3"))
	p.good = split(fg("2"))
	return p
}

// ColourPalette is the palette with ANSI colours whatever the output
// (for tests and for captures).
func ColourPalette(g Glyphs) Palette {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.ANSI)
	return NewPalette(r, g, true)
}

// split renders a marker with st and keeps what comes before and after.
func split(st lipgloss.Style) sgr {
	const marker = "\x1a"
	on, off, _ := strings.Cut(st.Render(marker), marker)
	return sgr{on: on, off: off}
}
