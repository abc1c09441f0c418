package watch

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// segment is text drawn in one style.
type segment struct {
	text  string
	style sgr
}

// joinClip draws segments within width (0: no limit).
func joinClip(width int, segs ...segment) string {
	var b strings.Builder
	used := 0
	for _, s := range segs {
		n := utf8.RuneCountInString(s.text)
		if width > 0 && used+n > width {
			if room := width - used; room > 0 {
				b.WriteString(s.style.wrap(truncate(s.text, room)))
			}
			break
		}
		b.WriteString(s.style.wrap(s.text))
		used += n
	}
	return b.String()
}

// footerLines are the summary, the last fault, the latest events and the
// legend (or the filter being typed).
func footerLines(v View, st Stats, sc Screen, p Palette, nrows int) []string {
	var out []string
	out = append(out, summaryLine(st, sc, p))
	if sc.Fault != "" {
		out = append(out, joinClip(sc.Width, segment{sc.Fault, p.warn}))
	}
	events := sc.Events
	if events < 0 {
		events = 5
		if sc.Height > 0 {
			events = max(0, min(5, sc.Height-2-len(out)-1-max(nrows, 3)))
		}
	}
	for _, e := range v.Events[:min(events, len(v.Events))] {
		out = append(out, joinClip(sc.Width, segment{describeEvent(e, sc), p.dim}))
	}
	if sc.Typing {
		out = append(out, joinClip(sc.Width, segment{"filter (a name, web_[1-5], web_*, or part of a name; enter applies, esc cancels): ", p.title}, segment{sc.Input + "█", sgr{}}))
		return out
	}
	out = append(out, legendLine(sc, p))
	return out
}

func summaryLine(st Stats, sc Screen, p Palette) string {
	segs := []segment{{"members:", p.title}}
	sep := " "
	for _, s := range allStates {
		if n := st.Members[s]; n > 0 {
			segs = append(segs, segment{fmt.Sprintf("%s%d %s", sep, n, s), sgr{}})
			sep = ", "
		}
	}
	segs = append(segs, segment{"  cells:", p.title})
	for _, s := range allStates {
		if n := st.Cells[s]; n > 0 {
			segs = append(segs, segment{" ", sgr{}}, segment{string(p.Glyphs[s]), p.state[s]}, segment{fmt.Sprint(n), sgr{}})
		}
	}
	if sc.Keys {
		segs = append(segs, segment{"  rx " + bytesRate(sc.Rate), p.dim})
	}
	return joinClip(sc.Width, segs...)
}

func bytesRate(r float64) string {
	switch {
	case r >= 1<<20:
		return fmt.Sprintf("%.1f MiB/s", r/(1<<20))
	case r >= 1<<10:
		return fmt.Sprintf("%.1f KiB/s", r/(1<<10))
	}
	return fmt.Sprintf("%.0f B/s", r)
}

func describeEvent(e Event, sc Screen) string {
	at := e.At.In(sc.Loc).Format("15:04:05.000")
	switch e.Type {
	case "no-answer":
		return fmt.Sprintf("%s %s: no answer: %s", at, e.Observer, firstLine(e.Name))
	case "user":
		return fmt.Sprintf("%s %s: user event %s from %s", at, e.Observer, e.Name, e.Member)
	}
	return fmt.Sprintf("%s %s: %s %s", at, e.Observer, e.Type, e.Member)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func legendLine(sc Screen, p Palette) string {
	var segs []segment
	for i, s := range allStates {
		if i > 0 {
			segs = append(segs, segment{" ", sgr{}})
		}
		name := s.String()
		if s == NoAnswer {
			name = "no answer"
		}
		segs = append(segs, segment{string(p.Glyphs[s]), p.state[s]}, segment{" " + name, sgr{}})
	}
	if sc.Keys {
		segs = append(segs, segment{"  q quit · p pause · / filter · z zoom · ? help", p.dim})
	}
	return joinClip(sc.Width, segs...)
}

// helpLines is the help screen.
func helpLines(p Palette) []string {
	lines := []string{
		p.title.wrap("lab watch: each row is an observer (a node whose agent is asked), each column a member;"),
		"a cell is the member's state as that observer sees it. conv: the share of members the",
		"observer sees as most observers do. Columns are numbered by the number ending the name.",
		"",
	}
	for _, s := range allStates {
		lines = append(lines, "  "+p.state[s].wrap(string(p.Glyphs[s]))+"  "+stateHelp(s))
	}
	lines = append(lines, "",
		"  q, ctrl+c        quit",
		"  p                pause the screen (the feed goes on)",
		"  ↑ ↓ pgup pgdn    scroll the observers; home, end: first, last",
		"  ← →              scroll the members when zoomed",
		"  z                zoom: one member a cell (else large labs fold several into a cell,",
		"                   drawn as the worst state with how many members are in it)",
		"  /                filter nodes: web_3, web_[1-5], web_*, or part of a name; empty clears",
		"  ?                this help (any key closes it)",
	)
	return lines
}

func stateHelp(s State) string {
	switch s {
	case Alive:
		return "alive"
	case Suspect:
		return "suspect: the observer's probe failed; it is not declared failed yet"
	case Failed:
		return "failed: declared dead by the failure detector"
	case Leaving:
		return "leaving: announced its leave"
	case Left:
		return "left gracefully"
	case Unknown:
		return "unknown: the observer does not list the member"
	}
	return "no answer: the observer's agent cannot be asked (the whole row)"
}

// clipStyled cuts a line that may hold escape sequences only when its
// text is too wide (help lines are written to fit 90 columns).
func clipStyled(s string, width int) string {
	if width <= 0 || visibleLen(s) <= width {
		return s
	}
	var b strings.Builder
	n, esc := 0, false
	for _, r := range s {
		switch {
		case r == '\x1b':
			esc = true
		case esc:
			if r == 'm' {
				esc = false
			}
		default:
			if n == width {
				if strings.Contains(s, "\x1b") {
					b.WriteString("\x1b[0m")
				}
				return b.String()
			}
			n++
		}
		b.WriteRune(r)
	}
	return b.String()
}

func visibleLen(s string) int {
	n, esc := 0, false
	for _, r := range s {
		switch {
		case r == '\x1b':
			esc = true
		case esc:
			esc = r != 'm'
		default:
			n++
		}
	}
	return n
}
