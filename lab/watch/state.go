package watch

import "fmt"

// State is a member's state as one observer sees it, or the observer's
// own condition (NoAnswer: its agent cannot be asked).
type State uint8

// The states, in the order the legend lists them.
const (
	Unknown  State = iota // the observer does not list the member
	Alive                 // listed alive
	Suspect               // the observer's probe failed; not yet declared failed
	Failed                // declared failed by the failure detector
	Leaving               // announced its leave
	Left                  // left gracefully (or was force-left)
	NoAnswer              // the observer's agent cannot be asked
	numStates
)

// States lists every state in legend order.
var allStates = [numStates]State{Alive, Suspect, Failed, Leaving, Left, Unknown, NoAnswer}

// String is the state's name as --json prints it.
func (s State) String() string {
	switch s {
	case Alive:
		return "alive"
	case Suspect:
		return "suspect"
	case Failed:
		return "failed"
	case Leaving:
		return "leaving"
	case Left:
		return "left"
	case NoAnswer:
		return "no-answer"
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *State) UnmarshalText(b []byte) error {
	for st := range numStates {
		if st.String() == string(b) {
			*s = st
			return nil
		}
	}
	return fmt.Errorf("unknown state %q", b)
}

// parseStatus reads a status as `members -format json` prints it
// (labagent's and Serf's words); anything else is Unknown.
func parseStatus(s string) State {
	switch s {
	case "alive":
		return Alive
	case "suspect":
		return Suspect
	case "failed":
		return Failed
	case "leaving":
		return Leaving
	case "left":
		return Left
	}
	return Unknown
}

// severity orders states for a folded cell, which shows the worst of its
// members: a failure or a suspicion first, then a member the observer
// does not list, then leaves.
func (s State) severity() int {
	switch s {
	case NoAnswer:
		return 7
	case Failed:
		return 6
	case Suspect:
		return 5
	case Unknown:
		return 4
	case Leaving:
		return 3
	case Left:
		return 2
	}
	return 1
}

// Glyphs are the characters cells are drawn with, one per state, so that
// the matrix reads without colour.
type Glyphs [numStates]rune

// UnicodeGlyphs are the default glyphs.
func UnicodeGlyphs() Glyphs {
	var g Glyphs
	g[Alive], g[Suspect], g[Failed], g[Leaving], g[Left], g[Unknown], g[NoAnswer] = '●', '◐', '✗', '◌', '○', '·', '?'
	return g
}

// ASCIIGlyphs are letters for terminals without those symbols.
func ASCIIGlyphs() Glyphs {
	var g Glyphs
	g[Alive], g[Suspect], g[Failed], g[Leaving], g[Left], g[Unknown], g[NoAnswer] = 'A', 'S', 'F', 'g', 'L', '.', '?'
	return g
}
