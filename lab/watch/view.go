package watch

import (
	"slices"
	"time"
)

// Event is one entry an observer recorded (or an observer that stopped
// answering), for the list of latest events.
type Event struct {
	At       time.Time
	Observer string
	Type     string // an entry type, or "no-answer"
	Member   string
	Name     string // a user event's name; the error of a no-answer
}

// eventsKept is how many events the matrix keeps.
const eventsKept = 64

// ring keeps the newest events.
type ring struct {
	buf  []Event
	next int
	full bool
}

func newRing(n int) ring { return ring{buf: make([]Event, n)} }

func (r *ring) push(e Event) {
	r.buf[r.next] = e
	r.next = (r.next + 1) % len(r.buf)
	if r.next == 0 {
		r.full = true
	}
}

// newest returns up to n events, newest first.
func (r *ring) newest(n int) []Event {
	size := r.next
	if r.full {
		size = len(r.buf)
	}
	n = min(n, size)
	out := make([]Event, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, r.buf[(r.next-i+len(r.buf))%len(r.buf)])
	}
	return out
}

// View is a copy of the matrix at one moment.
type View struct {
	Observers []string
	Members   []string
	// Cells are the states by observer and member; a row whose agent
	// gives no answer is NoAnswer throughout.
	Cells    [][]State
	Answered []bool   // by observer
	Errors   []string // by observer: why it gives no answer
	Pending  int      // observers whose first answer is still awaited
	Events   []Event  // newest first
	Version  uint64
}

// View copies the matrix.
func (m *Matrix) View() View {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.viewLocked()
}

// ViewDrained copies the matrix and drops the changes recorded so far,
// which the copy holds.
func (m *Matrix) ViewDrained() View {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.changes = nil
	return m.viewLocked()
}

func (m *Matrix) viewLocked() View {
	v := View{
		Observers: slices.Clone(m.observers),
		Members:   slices.Clone(m.members),
		Cells:     make([][]State, len(m.cells)),
		Answered:  make([]bool, len(m.rows)),
		Errors:    make([]string, len(m.rows)),
		Events:    m.events.newest(eventsKept),
		Version:   m.version,
	}
	flat := make([]State, len(m.cells)*len(m.members))
	for i, rw := range m.rows {
		row := flat[i*len(m.members) : (i+1)*len(m.members) : (i+1)*len(m.members)]
		switch {
		case rw.answered:
			copy(row, m.cells[i])
		case rw.tried:
			for j := range row {
				row[j] = NoAnswer
			}
		}
		v.Cells[i] = row
		v.Answered[i], v.Errors[i] = rw.answered, rw.err
		if !rw.tried {
			v.Pending++
		}
	}
	return v
}

// Stats are the figures drawn beside and under the matrix.
type Stats struct {
	// Majority is each member's state as most answering observers see it
	// (ties go to the state listed first in the legend).
	Majority []State
	// Convergence is, by observer, the share of members it sees in the
	// majority's state; -1 for an observer that gives no answer.
	Convergence []float64
	// Agreement is the share of all answering observers' cells that agree
	// with the majority.
	Agreement float64
	// Cells counts every cell by state; Members counts members by their
	// majority state.
	Cells, Members [numStates]int
	Answering      int
}

// Stats computes the figures of a view.
func (v View) Stats() Stats {
	s := Stats{Majority: make([]State, len(v.Members)), Convergence: make([]float64, len(v.Observers))}
	counts := make([][numStates]int, len(v.Members))
	for i, row := range v.Cells {
		if !v.Answered[i] {
			if v.Errors[i] != "" { // else its first answer is awaited
				s.Cells[NoAnswer] += len(row)
			}
			continue
		}
		s.Answering++
		for j, st := range row {
			counts[j][st]++
			s.Cells[st]++
		}
	}
	for j, c := range counts {
		best := Alive
		for _, st := range allStates {
			if c[st] > c[best] {
				best = st
			}
		}
		s.Majority[j] = best
		s.Members[best]++
	}
	agree, total := 0, 0
	for i, row := range v.Cells {
		if !v.Answered[i] {
			s.Convergence[i] = -1
			continue
		}
		n := 0
		for j, st := range row {
			if st == s.Majority[j] {
				n++
			}
		}
		agree += n
		total += len(row)
		s.Convergence[i] = ratio(n, len(row))
	}
	s.Agreement = ratio(agree, total)
	return s
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 1
	}
	return float64(n) / float64(d)
}
