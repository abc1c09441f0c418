package watch

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/google/go-cmp/cmp"
)

// testTUI is the TUI model over a filled matrix of n nodes (no feed
// running), sized 120x30.
func testTUI(t *testing.T, n int) *tui {
	t.Helper()
	nodes := names("web_", n)
	f, err := NewFeed(Config{Runner: &localRunner{}, Agent: Labagent(labagentCmd), Observers: nodes, Nodes: nodes})
	if err != nil {
		t.Fatal(err)
	}
	f.m = bigMatrix(n)
	m := newTUI(context.Background(), f, Options{Palette: NewPalette(nil, UnicodeGlyphs(), false), Loc: time.UTC})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	return m
}

func keys(m *tui, ks ...string) (quit bool) {
	for _, k := range ks {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "backspace":
			msg = tea.KeyMsg{Type: tea.KeyBackspace}
		case "pgdown":
			msg = tea.KeyMsg{Type: tea.KeyPgDown}
		case "end":
			msg = tea.KeyMsg{Type: tea.KeyEnd}
		case "ctrl+c":
			msg = tea.KeyMsg{Type: tea.KeyCtrlC}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		if _, cmd := m.Update(msg); cmd != nil && cmd() == tea.Quit() {
			return true
		}
	}
	return false
}

// firstRow is the name of the first observer drawn.
func firstRow(m *tui) string {
	return strings.Fields(m.frame.Lines[2])[0]
}

func TestTUIKeys(t *testing.T) {
	tests := []struct {
		name  string
		keys  []string
		check func(t *testing.T, m *tui)
	}{
		{"page down", []string{"pgdown"}, func(t *testing.T, m *tui) {
			if got, want := firstRow(m), "web_"+strconv.Itoa(m.frame.Body); got != want {
				t.Errorf("first row %s, want %s (a page is %d rows)", got, want, m.frame.Body)
			}
		}},
		{"end stops at the last full page", []string{"end", "j", "j"}, func(t *testing.T, m *tui) {
			if got, want := firstRow(m), "web_"+strconv.Itoa(52-m.frame.Body+1); got != want {
				t.Errorf("first row %s, want %s", got, want)
			}
		}},
		{"filter by range", []string{"/", "w", "e", "b", "_", "[", "1", "-", "3", "]", "enter"}, func(t *testing.T, m *tui) {
			rows := matrixRows(m.View(), []string{"a", "b", "c"})
			if diff := cmp.Diff([]string{"web_1", "web_2", "web_3"}, sortedKeys(rows)); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		}},
		{"filter by part of a name, edited", []string{"/", "5", "x", "backspace", "enter"}, func(t *testing.T, m *tui) {
			if got := len(m.rows); got != 8 { // web_5, web_15, ... web_45, web_50, web_51, web_52
				t.Errorf("%d rows, want 8", got)
			}
		}},
		{"esc keeps the filter", []string{"/", "9", "esc"}, func(t *testing.T, m *tui) {
			if m.filter != "" || m.typing {
				t.Errorf("filter %q, typing %v", m.filter, m.typing)
			}
		}},
		{"pause", []string{"p"}, func(t *testing.T, m *tui) {
			if !strings.Contains(m.View(), "PAUSED") {
				t.Error("no PAUSED in the title")
			}
		}},
		{"help, then any key", []string{"?"}, func(t *testing.T, m *tui) {
			if !strings.Contains(m.View(), "this help") {
				t.Error("no help")
			}
			keys(m, "x")
			if strings.Contains(m.View(), "this help") {
				t.Error("help still shown")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testTUI(t, 52)
			if keys(m, tt.keys...) {
				t.Fatal("quit")
			}
			tt.check(t, m)
		})
	}
	for _, k := range []string{"q", "ctrl+c"} {
		if !keys(testTUI(t, 5), k) {
			t.Errorf("%s does not quit", k)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	out := slices.Collect(maps.Keys(m))
	slices.Sort(out)
	return out
}

func TestFaultFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fault.json")
	if _, ok, err := ReadFault(path); ok || err != nil {
		t.Errorf("missing file: ok %v, err %v", ok, err)
	}
	want := Fault{Action: "halt", Targets: []string{"web_3"}, Injected: time.Date(2026, 12, 3, 12, 0, 0, 123456789, time.UTC)}
	if err := WriteFault(path, want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := ReadFault(path)
	if !ok || err != nil {
		t.Fatalf("ReadFault: %v %v", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fault (-want +got):\n%s", diff)
	}
	line := describeFault(got, true, nil, want.Injected.Add(75*time.Second), time.UTC)
	if line != "last fault: halt web_3, 1m15s ago (12:00:00.123)" {
		t.Errorf("line = %q", line)
	}
}

func TestMatchNodes(t *testing.T) {
	all := names("web_", 12)
	tests := []struct {
		expr string
		want []int
	}{
		{"", nil},
		{"web_[2-4]", []int{1, 2, 3}},
		{"web_1*", []int{0, 9, 10, 11}},
		{"web_3,web_5", []int{2, 4}},
		{"EB_1", []int{0, 9, 10, 11}},
		{"db", []int{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, matchNodes(all, tt.expr)); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.expr, diff)
		}
	}
}
