package watch

// convWidth is the width of the convergence column (" 100%").
const convWidth = 5

// layout is how the members' columns fit the width.
type layout struct {
	labelW int // row labels
	pitch  int // characters per cell: 1, 2 (glyph, space) or, folded, 3 (glyph, count, space)
	fold   int // members per cell
	cells  int // cells drawn
	left   int // first member drawn (zoomed, scrolled sideways)
	more   int // cells the width cannot show (zoomed)
}

// labelWidth is the widest of the names, within bounds.
func labelWidth(names []string) int {
	w := 4
	for _, n := range names {
		w = max(w, len([]rune(n)))
	}
	return min(w, 20)
}

// fit lays n members out in width (0: no limit). Unzoomed, members that
// do not fit one per cell fold several to a cell; zoomed, each has its
// own cell and the view scrolls sideways from left. ok is false when not
// even one cell fits.
func fit(width, labelW, n int, zoom bool, left int) (layout, bool) {
	l := layout{labelW: labelW, pitch: 2, fold: 1, cells: n}
	if width <= 0 {
		return l, true
	}
	avail := width - labelW - 1 - convWidth
	if avail < 3 {
		return l, false
	}
	switch {
	case 2*n <= avail:
	case zoom || n <= avail:
		l.pitch = 1
		l.cells = min(n, avail)
		if zoom {
			l.left = max(0, min(left, n-l.cells))
			l.more = n - l.cells
		}
	default:
		per := max(1, avail/3)
		l.pitch = 3
		l.fold = (n + per - 1) / per
		l.cells = (n + l.fold - 1) / l.fold
	}
	return l, true
}
