package watch

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/golden"
)

var t0 = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i+1)
	}
	return out
}

// allAlive lists every node alive.
func allAlive(nodes []string) []Listed {
	ls := make([]Listed, len(nodes))
	for i, n := range nodes {
		ls[i] = Listed{Name: n, State: Alive}
	}
	return ls
}

// statesMatrix has every state: web_2 suspects web_3, web_3 saw web_3's
// failure reported... see the comments by row.
func statesMatrix() *Matrix {
	nodes := names("web_", 8)
	m := NewMatrix(nodes, nodes, 8*time.Second)
	for r := range nodes {
		if r == 6 {
			continue // web_7's first answer is awaited
		}
		m.SetSnapshot(r, allAlive(nodes), 0, t0)
	}
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	m.Apply(1, Entry{Type: "member-suspect", Member: "web_3", Recorded: at(1)}, at(1))
	m.Apply(2, Entry{Type: "member-failed", Member: "web_3", Recorded: at(2)}, at(2))
	m.Apply(3, Entry{Type: "member-failed", Member: "web_3", Recorded: at(2)}, at(2))
	m.Apply(2, Entry{Type: "member-leave", Member: "web_5", Recorded: at(3)}, at(3))
	m.Apply(3, Entry{Type: "member-reap", Member: "web_6", Recorded: at(4)}, at(4))
	ls := allAlive(nodes)
	ls[3].State = Leaving
	m.SetSnapshot(0, ls, m.Mark(0), at(5))
	m.Apply(5, Entry{Type: "member-join", Member: "db_1", Recorded: at(5)}, at(5))
	m.Apply(0, Entry{Type: "user", Member: "web_1", Name: "deploy", Recorded: at(6)}, at(6))
	m.SetNoAnswer(4, errors.New("labagent members of web_5: dial tcp 127.0.0.1:7373: connect: connection refused"), at(7))
	return m
}

// bigMatrix is n observers of n members where web_7 failed: half the
// observers saw it, a few still suspect it, one gives no answer.
func bigMatrix(n int) *Matrix {
	nodes := names("web_", n)
	m := NewMatrix(nodes, nodes, 8*time.Second)
	for r := range nodes {
		m.SetSnapshot(r, allAlive(nodes), 0, t0)
	}
	for r := 0; r < n; r += 2 {
		m.Apply(r, Entry{Type: "member-failed", Member: "web_7", Recorded: t0.Add(time.Second)}, t0.Add(time.Second))
	}
	for r := 1; r < n; r += 17 {
		m.Apply(r, Entry{Type: "member-suspect", Member: "web_7", Recorded: t0.Add(time.Second)}, t0.Add(time.Second))
	}
	m.SetNoAnswer(n-1, errors.New("ssh failed"), t0.Add(2*time.Second))
	return m
}

func TestRenderGolden(t *testing.T) {
	fault := describeFault(Fault{Action: "kill-agent", Targets: []string{"web_7"}, Injected: t0}, true, nil, t0.Add(4200*time.Millisecond), time.UTC)
	tests := []struct {
		name   string
		m      *Matrix
		sc     Screen
		colour bool
		ascii  bool
	}{
		{"states.txt", statesMatrix(), Screen{Width: 120, Height: 24, Keys: true, Events: -1}, false, false},
		{"states-colour.txt", statesMatrix(), Screen{Width: 120, Height: 24, Keys: true, Events: -1}, true, false},
		{"states-ascii.txt", statesMatrix(), Screen{Width: 120, Height: 24, Keys: true, Events: -1}, false, true},
		{"nodes52-w120.txt", bigMatrix(52), Screen{Width: 120, Height: 64, Keys: true, Events: -1, Fault: fault}, false, false},
		{"nodes250-fold.txt", bigMatrix(250), Screen{Width: 120, Height: 40, Keys: true, Events: -1, Fault: fault}, false, false},
		{"nodes250-zoom.txt", bigMatrix(250), Screen{Width: 120, Height: 40, Top: 240, Left: 30, Zoom: true, Keys: true, Events: -1}, false, false},
		{"nodes52-narrow.txt", bigMatrix(52), Screen{Width: 60, Height: 20, Top: 5, Keys: true, Events: -1, Fault: fault}, false, false},
		{"tiny.txt", bigMatrix(52), Screen{Width: 40, Height: 5, Keys: true, Events: -1, Fault: fault}, false, false},
		{"too-narrow.txt", bigMatrix(52), Screen{Width: 12, Height: 20, Keys: true, Events: -1}, false, false},
		{"filtered.txt", bigMatrix(52), Screen{Width: 120, Height: 20, Rows: seq(8), Cols: seq(10), Filter: "web_[1-10]", Paused: true, Keys: true, Events: -1}, false, false},
		{"help.txt", statesMatrix(), Screen{Width: 100, Height: 30, Help: true, Keys: true, Events: -1}, false, false},
		{"typing.txt", statesMatrix(), Screen{Width: 100, Height: 16, Typing: true, Input: "web_[1-", Keys: true, Events: -1}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := UnicodeGlyphs()
			if tt.ascii {
				g = ASCIIGlyphs()
			}
			p := NewPalette(nil, g, false)
			if tt.colour {
				p = ColourPalette(g)
			}
			sc := tt.sc
			sc.Title, sc.Now, sc.Loc = "lab watch · labagent · ", t0.Add(4200*time.Millisecond), time.UTC
			v := tt.m.View()
			f := Render(v, v.Stats(), sc, p)
			for i, l := range f.Lines {
				if n := visibleLen(l); n > sc.Width {
					t.Errorf("line %d is %d wide, more than %d: %q", i, n, sc.Width, l)
				}
			}
			if sc.Height > 0 && len(f.Lines) > sc.Height {
				t.Errorf("%d lines, more than the height %d", len(f.Lines), sc.Height)
			}
			golden.Check(t, "render/"+tt.name, []byte(f.String()+"\n"))
		})
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		name              string
		width, labelW, n  int
		zoom              bool
		pitch, fold, cell int
	}{
		{"52 at 120 one a cell with spaces", 120, 6, 52, false, 2, 1, 52},
		{"100 at 120 one a cell", 120, 7, 100, false, 1, 1, 100},
		{"250 at 120 folds by 8", 120, 7, 250, false, 3, 8, 32},
		{"250 at 120 zoomed", 120, 7, 250, true, 1, 1, 107},
		{"no limit", 0, 7, 250, false, 2, 1, 250},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, ok := fit(tt.width, tt.labelW, tt.n, tt.zoom, 0)
			if !ok || l.pitch != tt.pitch || l.fold != tt.fold || l.cells != tt.cell {
				t.Errorf("fit = %+v, %v; want pitch %d fold %d cells %d", l, ok, tt.pitch, tt.fold, tt.cell)
			}
			if tt.width > 0 && l.labelW+1+l.cells*l.pitch+convWidth > tt.width {
				t.Errorf("a row is %d wide, more than %d", l.labelW+1+l.cells*l.pitch+convWidth, tt.width)
			}
		})
	}
}

func TestRenderNoColourHasNoEscapes(t *testing.T) {
	v := statesMatrix().View()
	f := Render(v, v.Stats(), Screen{Width: 120, Height: 30, Keys: true, Events: -1, Loc: time.UTC}, NewPalette(nil, UnicodeGlyphs(), false))
	if strings.Contains(f.String(), "\x1b") {
		t.Errorf("no-colour frame holds escape sequences:\n%q", f.String())
	}
}
