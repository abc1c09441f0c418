package chaos

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gossiplab/gossiplab/plots"
)

func TestMeasureTransitions(t *testing.T) {
	s := time.Second
	ms := time.Millisecond
	tr := func(subject, typ string, at time.Duration) Transition {
		return Transition{Subject: subject, Type: typ, At: at, AtS: at.Seconds()}
	}
	tests := []struct {
		name string
		in   MeasureInput
		want map[string][]Transition
	}{
		{
			name: "halt: the state at injection, then suspect and failed; other members and late entries left out",
			in: MeasureInput{Injected: t0, Timeout: 30 * s, Outcomes: ActHalt.Outcomes(),
				Expect: SameSubjects([]string{"web_1", "web_2", "web_4"}, []string{"web_3"}),
				Journals: map[string][]Entry{
					"web_1": {ent(1, -60*s, EventJoin, "web_3"), ent(2, -50*s, EventJoin, "web_2"), ent(3, -40*s, EventUpdate, "web_3"),
						ent(4, 2*s, EventSuspect, "web_3"), ent(5, 3*s, EventFailed, "web_2"), ent(6, 6812*ms, EventFailed, "web_3"),
						ent(7, 31*s, EventJoin, "web_3")},
					"web_2": {ent(1, 7250*ms, EventLeave, "web_3")},
					"web_4": {ent(1, -5*s, EventUser, "web_3")}, // no membership entry: no state at injection
				}},
			want: map[string][]Transition{
				"web_1": {tr("web_3", EventUpdate, -40*s), tr("web_3", EventSuspect, 2*s), tr("web_3", EventFailed, 6812*ms)},
				"web_2": {tr("web_3", EventLeave, 7250*ms)},
				"web_4": nil,
			},
		},
		{
			name: "partition: every subject, in time order, on the controller's clock",
			in: MeasureInput{Injected: t0, Timeout: 30 * s, Outcomes: ActPartition.Outcomes(),
				Expect: CrossSubjects([]string{"web_1"}, []string{"web_2", "web_3"}),
				Journals: map[string][]Entry{
					"web_1": {ent(1, -9*s, EventJoin, "web_2"), ent(2, -8*s, EventJoin, "web_3"),
						ent(3, 6*s, EventFailed, "web_3"), ent(4, 5*s, EventSuspect, "web_3"), ent(5, 7*s, EventFailed, "web_2")},
					// 1 s ahead of the controller.
					"web_2": {ent(1, 3*s, EventSuspect, "web_1"), ent(2, 9*s, EventFailed, "web_1")},
				},
				Clocks: map[string]ClockOffset{"web_2": {Offset: s}}},
			want: map[string][]Transition{
				"web_1": {tr("web_2", EventJoin, -9*s), tr("web_3", EventJoin, -8*s), tr("web_3", EventSuspect, 5*s),
					tr("web_3", EventFailed, 6*s), tr("web_2", EventFailed, 7*s)},
				"web_2": {tr("web_1", EventSuspect, 2*s), tr("web_1", EventFailed, 8*s)},
				"web_3": nil,
			},
		},
		{
			name: "event: the user event counts, as the expected outcome",
			in: MeasureInput{Injected: t0, Timeout: 10 * s, Outcomes: ActEvent.Outcomes(),
				Expect: SameSubjects([]string{"web_1"}, []string{"web_3"}),
				Journals: map[string][]Entry{
					"web_1": {ent(1, -3*s, EventJoin, "web_3"), ent(2, 150*ms, EventUser, "web_3")},
				}},
			want: map[string][]Transition{
				"web_1": {tr("web_3", EventJoin, -3*s), tr("web_3", EventUser, 150*ms)},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Measure(tt.in)
			got := map[string][]Transition{}
			for _, o := range res.Observations {
				got[o.Node] = o.Transitions
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("transitions (-want +got):\n%s", diff)
			}
		})
	}
}

// rowSteps counts the subjects in each state over time: the state before
// a subject's first entry is guessed from it, entries at one instant make
// one step, unseen subjects stay in the default state.
func TestRowSteps(t *testing.T) {
	counts := func(alive, suspect, failed, left, unknown int) []int {
		c := make([]int, stateCount)
		c[stateAlive], c[stateSuspect], c[stateFailed], c[stateLeft], c[stateUnknown] = alive, suspect, failed, left, unknown
		return c
	}
	tests := []struct {
		name   string
		trs    []timedTransition
		unseen int
		def    int
		want   []plots.TimelineStep
	}{
		{name: "a crash seen by one observer", def: stateAlive,
			trs:  []timedTransition{{"web_3", EventSuspect, 2}, {"web_3", EventFailed, 6.8}},
			want: []plots.TimelineStep{{At: math.Inf(-1), Counts: counts(1, 0, 0, 0, 0)}, {At: 2, Counts: counts(0, 1, 0, 0, 0)}, {At: 6.8, Counts: counts(0, 0, 1, 0, 0)}}},
		{name: "two subjects at one instant, one never seen", def: stateAlive, unseen: 1,
			trs:  []timedTransition{{"web_1", EventFailed, 5}, {"web_2", EventLeave, 5}},
			want: []plots.TimelineStep{{At: math.Inf(-1), Counts: counts(3, 0, 0, 0, 0)}, {At: 5, Counts: counts(1, 0, 1, 1, 0)}}},
		{name: "a join from not seen; a state at the injection from the journal", def: stateUnknown, unseen: 1,
			trs: []timedTransition{{"web_1", EventFailed, -30}, {"web_2", EventJoin, 1}, {"web_1", EventJoin, 2}},
			want: []plots.TimelineStep{{At: math.Inf(-1), Counts: counts(1, 0, 0, 0, 2)}, {At: -30, Counts: counts(0, 0, 1, 0, 2)},
				{At: 1, Counts: counts(1, 0, 1, 0, 1)}, {At: 2, Counts: counts(2, 0, 0, 0, 1)}}},
		{name: "an update: a member known alive", def: stateUnknown,
			trs:  []timedTransition{{"web_3", EventUpdate, 3}},
			want: []plots.TimelineStep{{At: math.Inf(-1), Counts: counts(1, 0, 0, 0, 0)}, {At: 3, Counts: counts(1, 0, 0, 0, 0)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, rowSteps(tt.trs, tt.unseen, tt.def)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
