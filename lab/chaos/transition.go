package chaos

import (
	"slices"
	"time"
)

// Transition is one change an observer recorded for one of its subjects:
// a journal entry (member-suspect, member-failed, member-leave,
// member-join, member-update, or the expected outcome, such as a user
// event) with its time since the injection on the controller's clock.
//
// An observer's transitions are every such entry from the injection
// (less its clock uncertainty) to the timeout, preceded, for each subject
// whose earlier history the journal holds, by the last membership entry
// before that: the state the observer had for the subject when the fault
// was injected (its At is then negative, often by minutes).
type Transition struct {
	Subject string        `json:"subject"`
	Type    string        `json:"type"`
	At      time.Duration `json:"-"`
	AtS     float64       `json:"at_s"`
}

// isMembership reports whether typ is a journal entry that changes a
// member's state.
func isMembership(typ string) bool {
	switch typ {
	case EventSuspect, EventFailed, EventLeave, EventJoin, EventUpdate:
		return true
	}
	return false
}

// transitions collects an observer's transitions for subjects from its
// journal (see Transition).
func transitions(in MeasureInput, subjects []string, journal []Entry, clock ClockOffset) []Transition {
	from := in.Injected.Add(-clock.Uncertainty)
	until := in.Injected.Add(in.Timeout)
	var out []Transition
	before := map[string]Transition{} // subject -> its last membership entry before from
	for _, e := range journal {
		if !slices.Contains(subjects, e.Node) {
			continue
		}
		at := e.Time().Add(-clock.Offset)
		tr := Transition{Subject: e.Node, Type: e.Type, At: at.Sub(in.Injected)}
		switch {
		case at.After(until):
		case at.Before(from):
			if prev, ok := before[e.Node]; isMembership(e.Type) && (!ok || tr.At >= prev.At) {
				before[e.Node] = tr
			}
		case isMembership(e.Type) || slices.Contains(in.Outcomes, e.Type):
			out = append(out, tr)
		}
	}
	if len(out) == 0 && len(before) == 0 {
		return nil
	}
	for _, s := range subjects {
		if tr, ok := before[s]; ok {
			out = append(out, tr)
		}
	}
	slices.SortStableFunc(out, func(a, b Transition) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
	for i := range out {
		out[i].AtS = *seconds(out[i].At)
	}
	return out
}
