package watch

import (
	"slices"
	"sync"
	"time"
)

// Matrix is the live membership matrix: one row per observer, one column
// per member, each cell the member's state as that observer sees it. The
// feed writes it; views and streams read copies. It is safe for
// concurrent use.
type Matrix struct {
	hold time.Duration

	mu        sync.Mutex
	observers []string
	members   []string
	memberIdx map[string]int
	cells     [][]State // [observer][member]
	rows      []row
	events    ring
	version   uint64
	notify    chan struct{}
	keep      bool // record changes for Drain
	changes   []Change
}

// row is what the matrix knows of one observer.
type row struct {
	tried    bool   // its first snapshot was attempted
	answered bool   // its agent answered the last time it was asked
	err      string // why it did not
	mark     uint64 // entries applied so far (resync windows count from it)
	recent   []applied
	suspect  map[int]time.Time // when each suspected member was suspected
}

// applied is an entry applied to a row, kept for resync windows.
type applied struct {
	mark   uint64
	member int
	state  State
}

// recentMax bounds the entries a row keeps for resync windows (a window
// lasts one snapshot command).
const recentMax = 256

// Change is one cell that changed, or (Row) one observer whose agent
// stopped or started answering.
type Change struct {
	Time     time.Time
	Observer string
	Row      bool
	Answer   bool   // Row: the observer's agent answers again
	Error    string // Row: why it does not
	Member   string
	State    State
	Was      State
	// Cause is the entry type that made the change (member-failed, ...),
	// or "resync" when a member list did.
	Cause string
	// Recorded is when the observer recorded the entry, zero when the
	// agent does not say.
	Recorded time.Time
}

// NewMatrix makes a matrix of observers (rows) and nodes (the first
// columns; members the observers list beyond them are appended). A
// suspected member shown alive again by a member list within hold of its
// suspicion stays suspect: member lists do not show suspicion.
func NewMatrix(observers, nodes []string, hold time.Duration) *Matrix {
	m := &Matrix{
		hold:      hold,
		observers: slices.Clone(observers),
		memberIdx: map[string]int{},
		cells:     make([][]State, len(observers)),
		rows:      make([]row, len(observers)),
		events:    newRing(eventsKept),
		notify:    make(chan struct{}, 1),
	}
	for _, n := range nodes {
		m.column(n)
	}
	for _, n := range observers {
		m.column(n)
	}
	for i := range m.rows {
		m.rows[i].suspect = map[int]time.Time{}
	}
	return m
}

// column returns the member's column, adding it. Call with mu held.
func (m *Matrix) column(name string) int {
	if j, ok := m.memberIdx[name]; ok {
		return j
	}
	j := len(m.members)
	m.members = append(m.members, name)
	m.memberIdx[name] = j
	for i := range m.cells {
		m.cells[i] = append(m.cells[i], Unknown)
	}
	return j
}

// Notify receives a value (coalesced) after every change.
func (m *Matrix) Notify() <-chan struct{} { return m.notify }

// changed bumps the version and wakes the reader. Call with mu held.
func (m *Matrix) changed() {
	m.version++
	select {
	case m.notify <- struct{}{}:
	default:
	}
}

// record keeps a change for Drain. Call with mu held.
func (m *Matrix) record(c Change) {
	if m.keep {
		m.changes = append(m.changes, c)
	}
}

// Mark opens a resync window on row r: entries applied after it are
// applied again over the member list the window's command returns.
func (m *Matrix) Mark(r int) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rows[r].mark
}

// Apply records an entry of observer r that arrived at now.
func (m *Matrix) Apply(r int, e Entry, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	at := now
	if !e.Recorded.IsZero() {
		at = e.Recorded
	}
	m.events.push(Event{At: at, Observer: m.observers[r], Type: e.Type, Member: e.Member, Name: e.Name})
	st, ok := stateOf(e.Type)
	if !ok || e.Member == "" {
		m.changed()
		return
	}
	j := m.column(e.Member)
	rw := &m.rows[r]
	rw.mark++
	rw.recent = append(rw.recent, applied{mark: rw.mark, member: j, state: st})
	if len(rw.recent) > recentMax {
		rw.recent = slices.Delete(rw.recent, 0, len(rw.recent)-recentMax)
	}
	if st == Suspect {
		rw.suspect[j] = now
	} else {
		delete(rw.suspect, j)
	}
	m.set(r, j, st, now, e.Type, e.Recorded)
}

// set changes one cell. Call with mu held.
func (m *Matrix) set(r, j int, st State, now time.Time, cause string, recorded time.Time) {
	was := m.cells[r][j]
	if was == st {
		return
	}
	m.cells[r][j] = st
	if m.rows[r].answered {
		m.record(Change{Time: now, Observer: m.observers[r], Member: m.members[j], State: st, Was: was, Cause: cause, Recorded: recorded})
	}
	m.changed()
}

// SetSnapshot replaces row r with the member list an observer gave, then
// applies again the entries that arrived since mark (the list may predate
// them).
func (m *Matrix) SetSnapshot(r int, ms []Listed, mark uint64, now time.Time) {
	m.setList(r, ms, nil, mark, now)
}

// SetChecked is SetSnapshot for the named members only: ms is the
// observer's list of them (a member it does not list is unknown to it).
func (m *Matrix) SetChecked(r int, names []string, ms []Listed, mark uint64, now time.Time) {
	m.setList(r, ms, names, mark, now)
}

func (m *Matrix) setList(r int, ms []Listed, only []string, mark uint64, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rw := &m.rows[r]
	if !rw.answered {
		rw.answered, rw.err = true, ""
		m.record(Change{Time: now, Observer: m.observers[r], Row: true, Answer: true})
		m.changed()
	}
	rw.tried = true
	var scope []bool // nil: every member
	if only != nil {
		scope = make([]bool, len(m.members), len(m.members)+len(only))
		for _, n := range only {
			j := m.column(n)
			scope = append(scope, make([]bool, len(m.members)-len(scope))...)
			scope[j] = true
		}
	}
	in := func(j int) bool { return scope == nil || j < len(scope) && scope[j] }
	want := make([]State, len(m.members), len(m.members)+len(ms))
	for _, l := range ms {
		j := m.column(l.Name)
		if j >= len(want) {
			want = append(want, make([]State, j+1-len(want))...)
		}
		want[j] = l.State
	}
	for _, a := range rw.recent {
		if a.mark > mark {
			want[a.member] = a.state
		}
	}
	for j, since := range rw.suspect {
		switch {
		case !in(j):
		case want[j] == Alive && now.Sub(since) < m.hold:
			want[j] = Suspect
		case want[j] != Suspect:
			delete(rw.suspect, j)
		}
	}
	for j, st := range want {
		if in(j) {
			m.set(r, j, st, now, "resync", time.Time{})
		}
	}
}

// SetNoAnswer records that observer r's agent could not be asked.
func (m *Matrix) SetNoAnswer(r int, err error, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rw := &m.rows[r]
	msg := err.Error()
	if rw.tried && !rw.answered && rw.err == msg {
		return
	}
	if rw.answered || !rw.tried {
		m.record(Change{Time: now, Observer: m.observers[r], Row: true, Error: msg})
		m.events.push(Event{At: now, Observer: m.observers[r], Type: "no-answer", Name: msg})
	}
	rw.tried, rw.answered, rw.err = true, false, msg
	m.changed()
}

// SuspectsDue lists the members row r has suspected for longer than the
// hold, which a member list should now confirm or clear.
func (m *Matrix) SuspectsDue(r int, now time.Time) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var due []string
	for j, since := range m.rows[r].suspect {
		if now.Sub(since) >= m.hold {
			due = append(due, m.members[j])
		}
	}
	return due
}

// Tried reports whether every row's first snapshot was attempted.
func (m *Matrix) Tried() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, rw := range m.rows {
		if !rw.tried {
			return false
		}
	}
	return true
}

// KeepChanges starts recording changes for Drain.
func (m *Matrix) KeepChanges() {
	m.mu.Lock()
	m.keep = true
	m.mu.Unlock()
}

// Drain returns the changes recorded since the last Drain.
func (m *Matrix) Drain() []Change {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.changes
	m.changes = nil
	return c
}
