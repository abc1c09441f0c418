package watch

import (
	"context"
	"errors"
	"io"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// Options are the choices of the views.
type Options struct {
	// Palette draws the screen (NewPalette; its glyphs also serve --once).
	Palette Palette
	// Loc is the time zone of the times shown (default: local).
	Loc *time.Location
}

// redrawAfter coalesces a burst of changes into one frame (at most 20
// frames a second however busy the cluster).
const redrawAfter = 50 * time.Millisecond

// RunTUI shows the live matrix full-screen on out (reading keys from in)
// until q, ctrl+c or the end of ctx; the feed runs meanwhile. The
// terminal is restored on return.
func RunTUI(ctx context.Context, f *Feed, in io.Reader, out io.Writer, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(ctx)
	}()
	defer func() { cancel(); <-done }()
	m := newTUI(ctx, f, opts)
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithAltScreen(), tea.WithInput(in), tea.WithOutput(out), tea.WithFPS(1000/int(redrawAfter/time.Millisecond)))
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

type (
	tickMsg   time.Time
	changeMsg struct{}
)

// tui is the Bubble Tea model of the screen.
type tui struct {
	ctx   context.Context
	feed  *Feed
	opts  Options
	fault faultSource

	width, height int
	top, left     int
	zoom, paused  bool
	help, typing  bool
	input, filter string
	rows, cols    []int
	filterFor     [2]int // the view sizes rows and cols were matched for
	view          View
	stats         Stats
	frame         Frame
	rx, rxAt      int64
	rate          float64
}

func newTUI(ctx context.Context, f *Feed, opts Options) *tui {
	if opts.Loc == nil {
		opts.Loc = time.Local
	}
	return &tui{ctx: ctx, feed: f, opts: opts, fault: faultSource{path: f.cfg.FaultFile}, rxAt: time.Now().UnixNano()}
}

func (t *tui) Init() tea.Cmd {
	return tea.Batch(t.tick(), t.waitChange())
}

func (t *tui) tick() tea.Cmd {
	return tea.Tick(t.feed.Interval(), func(now time.Time) tea.Msg { return tickMsg(now) })
}

// waitChange delivers a changeMsg once the matrix changed (and a short
// while passed, to draw a burst at once).
func (t *tui) waitChange() tea.Cmd {
	ch := t.feed.Matrix().Notify()
	return func() tea.Msg {
		select {
		case <-t.ctx.Done():
			return nil
		case <-ch:
		}
		select {
		case <-t.ctx.Done():
			return nil
		case <-time.After(redrawAfter):
		}
		return changeMsg{}
	}
}

func (t *tui) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		t.width, t.height = msg.Width, msg.Height
		t.redraw(true)
	case tickMsg:
		now := time.Time(msg)
		rx := t.feed.Received()
		if d := now.UnixNano() - t.rxAt; d > 0 {
			t.rate = float64(rx-t.rx) / (float64(d) / 1e9)
		}
		t.rx, t.rxAt = rx, now.UnixNano()
		t.redraw(!t.paused)
		return t, t.tick()
	case changeMsg:
		if !t.paused {
			t.redraw(true)
		}
		return t, t.waitChange()
	case tea.KeyMsg:
		if quit := t.key(msg); quit {
			return t, tea.Quit
		}
		t.redraw(false)
	}
	return t, nil
}

// key handles a key press; it reports whether to quit.
func (t *tui) key(k tea.KeyMsg) bool {
	if k.Type == tea.KeyCtrlC {
		return true
	}
	if t.typing {
		t.typeKey(k)
		return false
	}
	if t.help {
		t.help = false
		return k.String() == "q"
	}
	switch k.String() {
	case "q":
		return true
	case "p", " ":
		t.paused = !t.paused
	case "?":
		t.help = true
	case "/":
		t.typing, t.input = true, t.filter
	case "z":
		t.zoom = !t.zoom
	case "up", "k":
		t.top--
	case "down", "j":
		t.top++
	case "pgup":
		t.top -= max(1, t.frame.Body-1)
	case "pgdown":
		t.top += max(1, t.frame.Body-1)
	case "home", "g":
		t.top, t.left = 0, 0
	case "end", "G":
		t.top = t.frame.MaxTop
	case "left", "h":
		t.left -= 10
	case "right", "l":
		t.left += 10
	}
	return false
}

func (t *tui) typeKey(k tea.KeyMsg) {
	switch k.Type {
	case tea.KeyEnter:
		t.typing, t.filter, t.top, t.left = false, t.input, 0, 0
		t.filterFor = [2]int{-1, -1}
	case tea.KeyEsc:
		t.typing = false
	case tea.KeyBackspace:
		if r := []rune(t.input); len(r) > 0 {
			t.input = string(r[:len(r)-1])
		}
	case tea.KeySpace:
		t.input += " "
	case tea.KeyRunes:
		t.input += string(k.Runes)
	}
}

// redraw draws the frame again, from a fresh copy of the matrix when
// fresh.
func (t *tui) redraw(fresh bool) {
	if fresh || t.view.Observers == nil {
		t.view = t.feed.Matrix().View()
		t.stats = t.view.Stats()
	}
	if t.width == 0 {
		return
	}
	if n := [2]int{len(t.view.Observers), len(t.view.Members)}; n != t.filterFor {
		t.rows, t.cols = matchNodes(t.view.Observers, t.filter), matchNodes(t.view.Members, t.filter)
		t.filterFor = n
	}
	fault, ok, err := t.fault.get()
	now := time.Now()
	sc := Screen{
		Width: t.width, Height: t.height, Top: t.top, Left: t.left, Zoom: t.zoom,
		Rows: t.rows, Cols: t.cols, Title: "lab watch · " + t.feed.cfg.Agent.Name() + " · ",
		Filter: t.filter, Input: t.input, Typing: t.typing, Paused: t.paused, Help: t.help,
		Now: now, Loc: t.opts.Loc, Rate: t.rate, Events: -1, Keys: true,
	}
	if t.feed.cfg.FaultFile != "" {
		sc.Fault = describeFault(fault, ok, err, now, t.opts.Loc)
	}
	t.frame = Render(t.view, t.stats, sc, t.opts.Palette)
	t.top = max(0, min(t.top, t.frame.MaxTop))
	t.left = max(0, min(t.left, t.frame.MaxLeft))
}

func (t *tui) View() string { return t.frame.String() }
