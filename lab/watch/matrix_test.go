package watch

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// row returns observer r's cells as glyphs.
func rowText(v View, r int) string {
	g := ASCIIGlyphs()
	out := make([]rune, len(v.Cells[r]))
	for j, s := range v.Cells[r] {
		out[j] = g[s]
	}
	return string(out)
}

func TestMatrix(t *testing.T) {
	nodes := []string{"a", "b", "c"}
	hold := 5 * time.Second
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	tests := []struct {
		name string
		do   func(m *Matrix)
		want string // row 0
	}{
		{"a snapshot", func(m *Matrix) {
			m.SetSnapshot(0, []Listed{{"a", Alive}, {"b", Failed}}, 0, at(0))
		}, "AF."},
		{"entries after a snapshot", func(m *Matrix) {
			m.SetSnapshot(0, allAlive(nodes), 0, at(0))
			m.Apply(0, Entry{Type: "member-failed", Member: "b"}, at(1))
			m.Apply(0, Entry{Type: "member-leave", Member: "c"}, at(1))
			m.Apply(0, Entry{Type: "member-update", Member: "a"}, at(1))
		}, "AFL"},
		{"entries during a snapshot's window are applied over it", func(m *Matrix) {
			m.SetSnapshot(0, allAlive(nodes), 0, at(0))
			mark := m.Mark(0)
			m.Apply(0, Entry{Type: "member-failed", Member: "b"}, at(1))
			m.SetSnapshot(0, allAlive(nodes), mark, at(2)) // taken before the entry
		}, "AFA"},
		{"entries before the window are not", func(m *Matrix) {
			m.SetSnapshot(0, allAlive(nodes), 0, at(0))
			m.Apply(0, Entry{Type: "member-failed", Member: "b"}, at(1))
			m.Apply(0, Entry{Type: "member-join", Member: "b"}, at(1.5))
			m.SetSnapshot(0, []Listed{{"a", Alive}, {"c", Alive}}, m.Mark(0), at(2)) // then reaped
		}, "A.A"},
		{"a suspicion holds against a list that shows alive", func(m *Matrix) {
			m.SetSnapshot(0, allAlive(nodes), 0, at(0))
			m.Apply(0, Entry{Type: "member-suspect", Member: "c"}, at(1))
			m.SetSnapshot(0, allAlive(nodes), m.Mark(0), at(5))
		}, "AAS"},
		{"and clears after the hold", func(m *Matrix) {
			m.SetSnapshot(0, allAlive(nodes), 0, at(0))
			m.Apply(0, Entry{Type: "member-suspect", Member: "c"}, at(1))
			m.SetSnapshot(0, allAlive(nodes), m.Mark(0), at(6))
		}, "AAA"},
		{"a failure ends it", func(m *Matrix) {
			m.SetSnapshot(0, allAlive(nodes), 0, at(0))
			m.Apply(0, Entry{Type: "member-suspect", Member: "c"}, at(1))
			m.SetSnapshot(0, []Listed{{"a", Alive}, {"b", Alive}, {"c", Failed}}, m.Mark(0), at(2))
			m.SetSnapshot(0, allAlive(nodes), m.Mark(0), at(3)) // it came back
		}, "AAA"},
		{"new members become columns; one a later list lacks is unknown", func(m *Matrix) {
			m.SetSnapshot(0, allAlive(nodes), 0, at(0))
			m.Apply(0, Entry{Type: "member-join", Member: "d"}, at(1))
			m.SetSnapshot(0, append(allAlive(nodes), Listed{"e", Left}), m.Mark(0), at(2))
		}, "AAA.L"},
		{"a check settles a suspicion and nothing else", func(m *Matrix) {
			m.SetSnapshot(0, allAlive(nodes), 0, at(0))
			m.Apply(0, Entry{Type: "member-suspect", Member: "c"}, at(1))
			m.Apply(0, Entry{Type: "member-failed", Member: "a"}, at(1))
			if due := m.SuspectsDue(0, at(5.9)); len(due) != 0 {
				t.Errorf("due before the hold: %v", due)
			}
			if due := m.SuspectsDue(0, at(6)); len(due) != 1 || due[0] != "c" {
				t.Errorf("due = %v, want [c]", due)
			}
			m.SetChecked(0, []string{"c"}, []Listed{{"c", Alive}}, m.Mark(0), at(6))
		}, "FAA"},
		{"a check that does not list the member", func(m *Matrix) {
			m.SetSnapshot(0, allAlive(nodes), 0, at(0))
			m.Apply(0, Entry{Type: "member-suspect", Member: "c"}, at(1))
			m.SetChecked(0, []string{"c"}, nil, m.Mark(0), at(7))
		}, "AA."},
		{"no answer", func(m *Matrix) {
			m.SetSnapshot(0, allAlive(nodes), 0, at(0))
			m.SetNoAnswer(0, errors.New("refused"), at(1))
		}, "???"},
		{"and back", func(m *Matrix) {
			m.SetNoAnswer(0, errors.New("refused"), at(1))
			m.SetSnapshot(0, allAlive(nodes), m.Mark(0), at(2))
		}, "AAA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMatrix(nodes, nodes, hold)
			tt.do(m)
			if diff := cmp.Diff(tt.want, rowText(m.View(), 0)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMatrixChanges(t *testing.T) {
	nodes := []string{"a", "b"}
	m := NewMatrix(nodes, nodes, time.Second)
	m.KeepChanges()
	m.SetSnapshot(0, allAlive(nodes), 0, t0)
	_ = m.ViewDrained()
	rec := t0.Add(-time.Millisecond)
	m.Apply(0, Entry{Type: "member-failed", Member: "b", Recorded: rec}, t0)
	m.Apply(0, Entry{Type: "member-failed", Member: "b", Recorded: rec}, t0) // no change
	m.SetNoAnswer(0, errors.New("refused"), t0)
	m.SetNoAnswer(0, errors.New("refused"), t0) // the same
	m.SetSnapshot(0, allAlive(nodes), m.Mark(0), t0)
	want := []Change{
		{Time: t0, Observer: "a", Member: "b", State: Failed, Was: Alive, Cause: "member-failed", Recorded: rec},
		{Time: t0, Observer: "a", Row: true, Error: "refused"},
		{Time: t0, Observer: "a", Row: true, Answer: true},
		{Time: t0, Observer: "a", Member: "b", State: Alive, Was: Failed, Cause: "resync"},
	}
	if diff := cmp.Diff(want, m.Drain()); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestStats(t *testing.T) {
	v := statesMatrix().View()
	st := v.Stats()
	if st.Answering != 6 {
		t.Errorf("answering = %d, want 6", st.Answering)
	}
	// web_3 (index 2) is seen failed by 2, suspect by 1, alive by 3: alive.
	if st.Majority[2] != Alive || st.Majority[8] != Unknown {
		t.Errorf("majority = %v", st.Majority)
	}
	if st.Convergence[4] != -1 || st.Convergence[7] != 1 {
		t.Errorf("convergence = %v", st.Convergence)
	}
}
