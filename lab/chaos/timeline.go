package chaos

import (
	"cmp"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gossiplab/gossiplab/plots"
)

// The states of a subject in an observer's view, as timelines draw them
// (indexes into timelineStates).
const (
	stateAlive = iota
	stateSuspect
	stateFailed
	stateLeft
	stateUnknown  // not yet seen (back): before a join or a user event
	stateReceived // the user event arrived
	stateNoJournal
	stateCount
)

func timelineStates() []plots.State {
	return []plots.State{
		stateAlive:     {Name: "alive", Color: color.NRGBA{R: 0x4d, G: 0xaf, B: 0x4a, A: 0xff}},
		stateSuspect:   {Name: "suspect", Color: color.NRGBA{R: 0xff, G: 0x7f, B: 0x00, A: 0xff}},
		stateFailed:    {Name: "failed", Color: color.NRGBA{R: 0xe4, G: 0x1a, B: 0x1c, A: 0xff}},
		stateLeft:      {Name: "left", Color: color.NRGBA{R: 0x37, G: 0x7e, B: 0xb8, A: 0xff}},
		stateUnknown:   {Name: "not seen yet", Color: color.NRGBA{R: 0xd4, G: 0xd4, B: 0xd4, A: 0xff}},
		stateReceived:  {Name: "event received", Color: color.NRGBA{R: 0x98, G: 0x4e, B: 0xa3, A: 0xff}},
		stateNoJournal: {Name: "no journal", Color: color.NRGBA{R: 0x73, G: 0x73, B: 0x73, A: 0xff}},
	}
}

// stateAfter is the state a journal entry puts its subject in.
func stateAfter(typ string) (int, bool) {
	switch typ {
	case EventJoin, EventUpdate:
		return stateAlive, true
	case EventSuspect:
		return stateSuspect, true
	case EventFailed:
		return stateFailed, true
	case EventLeave:
		return stateLeft, true
	case EventUser:
		return stateReceived, true
	}
	return 0, false
}

// stateBefore guesses a subject's state before its first known entry:
// not seen before a join or an event, alive before anything else (an
// update is about a member the observer knew).
func stateBefore(typ string) int {
	switch typ {
	case EventJoin, EventUser:
		return stateUnknown
	}
	return stateAlive
}

// defaultState is the state of a subject an observer recorded nothing
// about, from what the action expects.
func defaultState(a Action) int {
	switch a.Expects() {
	case ExpectUp, ExpectUser:
		return stateUnknown
	}
	return stateAlive
}

// drawn says whether a timeline of action a draws transitions of type
// typ: user events on an event step, membership changes otherwise.
func drawn(a Action, typ string) bool {
	if a.Expects() == ExpectUser {
		return typ == EventUser
	}
	return isMembership(typ)
}

// timedTransition is a transition at a time on the timeline's axis.
type timedTransition struct {
	subject, typ string
	at           float64
}

// rowSteps turns an observer's transitions (sorted by time) into the
// count of subjects in each state over time; unseen subjects (that no
// transition names) stay in state def throughout.
func rowSteps(trs []timedTransition, unseen, def int) []plots.TimelineStep {
	state := map[string]int{}
	counts := make([]int, stateCount)
	counts[def] += max(unseen, 0)
	for _, tr := range trs {
		if _, ok := state[tr.subject]; !ok {
			state[tr.subject] = stateBefore(tr.typ)
			counts[state[tr.subject]]++
		}
	}
	steps := []plots.TimelineStep{{At: math.Inf(-1), Counts: slices.Clone(counts)}}
	for i, tr := range trs {
		to, _ := stateAfter(tr.typ)
		counts[state[tr.subject]]--
		counts[to]++
		state[tr.subject] = to
		if i+1 < len(trs) && trs[i+1].at == tr.at {
			continue // one step for entries at the same instant
		}
		steps = append(steps, plots.TimelineStep{At: tr.at, Counts: slices.Clone(counts)})
	}
	return steps
}

// stepRows is a step's timeline: one row per observer, the first to
// notice on top, then those that never did, then the unreachable.
func stepRows(s *Summary) []plots.TimelineRow {
	obs := slices.Clone(s.Observations)
	slices.SortStableFunc(obs, func(a, b Observation) int {
		return cmp.Or(cmp.Compare(observationRank(a), observationRank(b)), cmp.Compare(latencyOf(a), latencyOf(b)),
			cmp.Compare(b.Noticed, a.Noticed), compareNames(a.Node, b.Node))
	})
	rows := make([]plots.TimelineRow, 0, len(obs))
	for _, o := range obs {
		row := plots.TimelineRow{Label: o.Node}
		if o.Outcome == OutcomeUnreachable {
			counts := make([]int, stateCount)
			counts[stateNoJournal] = 1
			row.Steps = []plots.TimelineStep{{At: math.Inf(-1), Counts: counts}}
			rows = append(rows, row)
			continue
		}
		var trs []timedTransition
		seen := map[string]bool{}
		for _, tr := range o.Transitions {
			if drawn(s.Action, tr.Type) {
				trs = append(trs, timedTransition{subject: tr.Subject, typ: tr.Type, at: tr.AtS})
				seen[tr.Subject] = true
			}
		}
		row.Steps = rowSteps(trs, o.Expected-len(seen), defaultState(s.Action))
		rows = append(rows, row)
	}
	return rows
}

// latencyOf is o's latency in seconds, +Inf when it never saw it.
func latencyOf(o Observation) float64 {
	if o.LatencyS == nil {
		return math.Inf(1)
	}
	return *o.LatencyS
}

// observationRank orders observers: saw it, never, unreachable.
func observationRank(o Observation) int {
	switch {
	case o.Saw:
		return 0
	case o.Outcome == OutcomeUnreachable:
		return 2
	}
	return 1
}

// compareNames orders node names as people count: web_9 before web_10.
func compareNames(a, b string) int {
	pa, na := splitTrailingNumber(a)
	pb, nb := splitTrailingNumber(b)
	return cmp.Or(strings.Compare(pa, pb), cmp.Compare(na, nb), strings.Compare(a, b))
}

func splitTrailingNumber(name string) (string, int) {
	k := len(name)
	for k > 0 && name[k-1] >= '0' && name[k-1] <= '9' {
		k--
	}
	n, err := strconv.Atoi(name[k:])
	if err != nil {
		return name, -1
	}
	return name[:k], n
}
