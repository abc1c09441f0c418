package watch

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Screen is what to draw besides the matrix: its size, the scroll
// position, the filter, the footer's figures.
type Screen struct {
	// Width and Height in characters; Width 0 draws every member one per
	// cell, Height 0 every row.
	Width, Height int
	Top, Left     int // first row and (zoomed) first member shown
	Zoom          bool
	// Rows and Cols are the observers and members shown (indices into
	// the view), nil for all.
	Rows, Cols []int
	Title      string // first words of the title line
	Filter     string // the filter in force
	Input      string // the filter being typed
	Typing     bool
	Paused     bool
	Help       bool
	Now        time.Time
	Loc        *time.Location // for times (default: local)
	Rate       float64        // bytes per second the nodes send
	Fault      string         // the fault line
	Events     int            // event lines at most (-1: as fit)
	Keys       bool           // the legend line lists the keys
}

// Frame is a drawn screen and where its scrolling stops.
type Frame struct {
	Lines   []string
	MaxTop  int // the last first row that still fills the body
	MaxLeft int
	Body    int // rows the body shows
}

// String joins the lines.
func (f Frame) String() string { return strings.Join(f.Lines, "\n") }

// Render draws v (whose figures are st) on sc with p.
func Render(v View, st Stats, sc Screen, p Palette) Frame {
	if sc.Loc == nil {
		sc.Loc = time.Local
	}
	rows, cols := sc.Rows, sc.Cols
	if rows == nil {
		rows = seq(len(v.Observers))
	}
	if cols == nil {
		cols = seq(len(v.Members))
	}
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = v.Observers[r]
	}
	l, ok := fit(sc.Width, labelWidth(names), len(cols), sc.Zoom, sc.Left)
	var f Frame
	add := func(s string) { f.Lines = append(f.Lines, s) }
	add(p.title.wrap(clip(titleLine(v, st, sc, l), sc.Width)))
	if !ok {
		add(clip("the terminal is too narrow for the matrix: widen it", sc.Width))
		return f
	}
	footer := footerLines(v, st, sc, p, len(rows))
	body := len(rows)
	if sc.Height > 0 {
		for len(footer) > 1 && sc.Height-2-len(footer) < 1 {
			footer = footer[1:] // a tiny terminal keeps the matrix and the legend
		}
		body = max(1, sc.Height-2-len(footer))
	}
	f.Body = body
	f.MaxTop = max(0, len(rows)-body)
	f.MaxLeft = l.more
	if sc.Help {
		help := helpLines(p)
		for i := 0; i < body+1; i++ {
			line := ""
			if i < len(help) {
				line = help[i]
			}
			add(clipStyled(line, sc.Width))
		}
	} else {
		add(ruler(v, cols, l))
		top := max(0, min(sc.Top, f.MaxTop))
		for i := top; i < top+body; i++ {
			if i >= len(rows) {
				add("")
				continue
			}
			add(rowLine(v, st, rows[i], cols, l, p))
		}
	}
	for _, s := range footer {
		add(s)
	}
	return f
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func titleLine(v View, st Stats, sc Screen, l layout) string {
	var b strings.Builder
	b.WriteString(sc.Title)
	fmt.Fprintf(&b, "%d observers × %d members · agreement %.1f%%", len(v.Observers), len(v.Members), 100*st.Agreement)
	if v.Pending > 0 {
		fmt.Fprintf(&b, " · waiting for %d", v.Pending)
	}
	if l.fold > 1 {
		fmt.Fprintf(&b, " · %d members a cell", l.fold)
	}
	if l.more > 0 {
		fmt.Fprintf(&b, " · members %d-%d of %d", l.left+1, l.left+l.cells, l.cells+l.more)
	}
	if sc.Filter != "" {
		fmt.Fprintf(&b, " · filter %s", sc.Filter)
	}
	if sc.Paused {
		b.WriteString(" · PAUSED")
	}
	if !sc.Now.IsZero() {
		b.WriteString(" · " + sc.Now.In(sc.Loc).Format("15:04:05"))
	}
	return b.String()
}

// ruler numbers the columns: by the number that ends the member's name
// (web_7: 7), else by its place in the lab's order; every 5th or 10th
// member, or, folded, the first member of a cell that starts a new ten.
func ruler(v View, cols []int, l layout) string {
	line := make([]byte, 0, l.labelW+1+l.cells*l.pitch+convWidth)
	line = append(line, strings.Repeat(" ", l.labelW+1)...)
	start := len(line)
	step := 10
	if l.pitch == 2 {
		step = 5
	}
	free, prev := 0, -1
	for c := 0; c < l.cells; c++ {
		n := memberNumber(v.Members, cols[l.left+c*l.fold])
		pos := c * l.pitch
		mark := c == 0 || (l.fold == 1 && n%step == 0) || (l.fold > 1 && n/10 != prev/10)
		prev = n
		if !mark || pos < free {
			continue
		}
		label := strconv.Itoa(n)
		for len(line) < start+pos {
			line = append(line, ' ')
		}
		line = append(line, label...)
		free = pos + len(label) + 1
	}
	for len(line) < start+l.cells*l.pitch {
		line = append(line, ' ')
	}
	return string(line) + " conv"
}

// memberNumber is the number that ends member j's name, else j+1.
func memberNumber(members []string, j int) int {
	name := members[j]
	i := len(name)
	for i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
		i--
	}
	if n, err := strconv.Atoi(name[i:]); err == nil && len(name)-i <= 6 {
		return n
	}
	return j + 1
}

// rowLine draws one observer's row: label, cells, convergence.
func rowLine(v View, st Stats, r int, cols []int, l layout, p Palette) string {
	var b strings.Builder
	name := v.Observers[r]
	label := padRight(truncate(name, l.labelW), l.labelW)
	switch {
	case !v.Answered[r] && v.Errors[r] != "":
		b.WriteString(p.bad.wrap(label))
	default:
		b.WriteString(label)
	}
	b.WriteByte(' ')
	cells := v.Cells[r]
	cur := -1
	for c := 0; c < l.cells; c++ {
		from := l.left + c*l.fold
		to := min(from+l.fold, len(cols))
		worst, count := cells[cols[from]], 0
		for _, j := range cols[from:to] {
			switch s := cells[j]; {
			case s.severity() > worst.severity():
				worst, count = s, 1
			case s == worst:
				count++
			}
		}
		if int(worst) != cur {
			if cur >= 0 {
				b.WriteString(p.state[cur].off)
			}
			cur = int(worst)
			b.WriteString(p.state[cur].on)
		}
		b.WriteRune(p.Glyphs[worst])
		switch l.pitch {
		case 2:
			b.WriteByte(' ')
		case 3:
			b.WriteByte(countChar(worst, count))
			b.WriteByte(' ')
		}
	}
	if cur >= 0 {
		b.WriteString(p.state[cur].off)
	}
	b.WriteString(convText(st.Convergence[r], !v.Answered[r] && v.Errors[r] == "", p))
	return b.String()
}

// countChar follows a folded cell's glyph: how many of its members are
// in its (worst) state, unless they are alive.
func countChar(s State, n int) byte {
	switch {
	case s == Alive || s == NoAnswer:
		return ' '
	case n > 9:
		return '+'
	}
	return byte('0' + n)
}

func convText(c float64, pending bool, p Palette) string {
	switch {
	case pending:
		return "    …"
	case c < 0:
		return p.bad.wrap("    ?")
	}
	s := fmt.Sprintf(" %3.0f%%", 100*c)
	switch {
	case c >= 1:
		return p.good.wrap(s)
	case c >= 0.9:
		return p.warn.wrap(s)
	}
	return p.bad.wrap(s)
}

func truncate(s string, w int) string {
	if utf8.RuneCountInString(s) <= w {
		return s
	}
	r := []rune(s)
	return string(r[:w-1]) + "…"
}

func padRight(s string, w int) string {
	if n := utf8.RuneCountInString(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// clip cuts plain text to width (0: no limit).
func clip(s string, width int) string {
	if width <= 0 {
		return s
	}
	return truncate(s, width)
}
