package chaos

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/gossiplab/gossiplab/internal/hint"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func ent(seq uint64, at time.Duration, typ, node string) Entry {
	return Entry{Entry: rpc.Entry{Seq: seq, UnixNano: t0.Add(at).UnixNano(), Type: typ, Node: node}}
}

func TestParseJournal(t *testing.T) {
	want := []Entry{
		{Entry: rpc.Entry{Seq: 1, UnixNano: 1764244800000000000, MonoNs: 5, Type: "member-join", Node: "web_2"}},
		{Entry: rpc.Entry{Seq: 2, UnixNano: 1764244801000000000, MonoNs: 6, Type: "member-failed", Node: "web_3"}},
	}
	tests := []struct {
		name, in string
		want     []Entry
		err      string
	}{
		{name: "array", want: want, in: `[
 {"seq":1,"time":"2025-11-27T12:00:00Z","unix_nano":1764244800000000000,"mono_ns":5,"type":"member-join","node":"web_2","addr":"10.0.0.2:7946"},
 {"seq":2,"unix_nano":1764244801000000000,"mono_ns":6,"type":"member-failed","node":"web_3"}]`},
		{name: "lines", want: want, in: `{"seq":1,"unix_nano":1764244800000000000,"mono_ns":5,"type":"member-join","node":"web_2"}
{"seq":2,"unix_nano":1764244801000000000,"mono_ns":6,"type":"member-failed","node":"web_3","name":"x"}
`},
		{name: "wrapped", want: want, in: `{"entries":[{"seq":1,"unix_nano":1764244800000000000,"mono_ns":5,"type":"member-join","node":"web_2"},{"seq":2,"unix_nano":1764244801000000000,"mono_ns":6,"type":"member-failed","node":"web_3"}]}`},
		{name: "empty", in: "  \n"},
		{name: "empty array", in: "[]", want: []Entry{}},
		{name: "text format", in: "1 member-join web_2", err: "not JSON"},
		{name: "truncated", in: `{"seq":1,"unix_nano":1`, err: "parse journal entry 1"},
		{name: "no type", in: `[{"seq":4,"unix_nano":17}]`, err: "no type or time (seq 4)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseJournal(strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(hint.Text(err), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// What chaos does not read of rpc.Entry is left out.
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(rpc.Entry{}, "Time", "Addr", "Name")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	tests := []struct {
		name string
		in   []time.Duration
		want Stats
	}{
		{"none", nil, Stats{}},
		{"one", ms(7), Stats{N: 1, First: 7e6, P50: 7e6, P95: 7e6, P99: 7e6, Last: 7e6}},
		{"nine unsorted", ms(9, 1, 8, 2, 7, 3, 6, 4, 5), Stats{N: 9, First: 1e6, P50: 5e6, P95: 9e6, P99: 9e6, Last: 9e6}},
		{"hundred", func() []time.Duration {
			var v []int
			for i := 100; i >= 1; i-- {
				v = append(v, i)
			}
			return ms(v...)
		}(), Stats{N: 100, First: 1e6, P50: 50e6, P95: 95e6, P99: 99e6, Last: 100e6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Summarize(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMeasure(t *testing.T) {
	s := time.Second
	down := ActHalt.Outcomes()
	tests := []struct {
		name      string
		in        MeasureInput
		want      map[string]string // node -> "outcome latency"
		stats     Stats
		never     []string
		unreach   []string
		suspected int
	}{
		{
			name: "halt: failed and left count, old entries and other members do not",
			in: MeasureInput{Injected: t0, Timeout: 30 * s, Outcomes: down,
				Expect: SameSubjects([]string{"web_1", "web_2", "web_4", "web_5"}, []string{"web_3"}),
				Journals: map[string][]Entry{
					"web_1": {ent(1, -10*s, EventFailed, "web_3"), ent(2, 2*s, EventSuspect, "web_3"), ent(3, 6*s, EventFailed, "web_3")},
					// A suspicion after the outcome does not count.
					"web_2": {ent(1, 5*s, EventFailed, "web_4"), ent(2, 7*s, EventLeave, "web_3"), ent(3, 8*s, EventFailed, "web_3"), ent(4, 9*s, EventSuspect, "web_3")},
					"web_4": {ent(1, 31*s, EventFailed, "web_3")},
				}},
			want:  map[string]string{"web_1": "member-failed 6s", "web_2": "member-leave 7s", "web_4": "never", "web_5": "unreachable"},
			stats: Stats{N: 2, First: 6 * s, P50: 6 * s, P95: 7 * s, P99: 7 * s, Last: 7 * s},
			never: []string{"web_4"}, unreach: []string{"web_5"}, suspected: 1,
		},
		{
			name: "partition: an observer is done when it saw every subject",
			in: MeasureInput{Injected: t0, Timeout: 30 * s, Outcomes: ActPartition.Outcomes(),
				Expect: CrossSubjects([]string{"web_1"}, []string{"web_2", "web_3"}),
				Journals: map[string][]Entry{
					"web_1": {ent(1, 5*s, EventFailed, "web_2"), ent(2, 9*s, EventFailed, "web_3")},
					"web_2": {ent(1, 4*s, EventFailed, "web_1")},
					"web_3": {},
				}},
			want:  map[string]string{"web_1": "member-failed 9s", "web_2": "member-failed 4s", "web_3": "never"},
			stats: Stats{N: 2, First: 4 * s, P50: 4 * s, P95: 9 * s, P99: 9 * s, Last: 9 * s},
			never: []string{"web_3"},
		},
		{
			name: "clock offsets move node times onto the controller's clock",
			in: MeasureInput{Injected: t0, Timeout: 30 * s, Outcomes: ActReload.Outcomes(),
				Expect: SameSubjects([]string{"web_1", "web_2"}, []string{"web_3"}),
				Journals: map[string][]Entry{
					// web_1's clock is 2 s ahead: its 3 s is the controller's 1 s.
					"web_1": {ent(1, 3*s, EventJoin, "web_3")},
					// web_2's clock is 500 ms behind; its entry at -0.6 s is
					// really at -0.1 s, inside the 200 ms uncertainty: counted.
					"web_2": {ent(1, -600*time.Millisecond, EventJoin, "web_3")},
				},
				Clocks: map[string]ClockOffset{
					"web_1": {Offset: 2 * s, Uncertainty: 10 * time.Millisecond},
					"web_2": {Offset: -500 * time.Millisecond, Uncertainty: 200 * time.Millisecond},
				}},
			want:  map[string]string{"web_1": "member-join 1s", "web_2": "member-join -100ms"},
			stats: Stats{N: 2, First: -100 * time.Millisecond, P50: -100 * time.Millisecond, P95: s, P99: s, Last: s},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Measure(tt.in)
			got := map[string]string{}
			suspected := 0
			for _, o := range res.Observations {
				got[o.Node] = o.Outcome
				if o.Saw {
					got[o.Node] += " " + o.Latency.String()
				}
				if o.Suspected {
					suspected++
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("observations (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.stats, res.Stats); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.never, res.Never); diff != "" {
				t.Errorf("never (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.unreach, res.Unreachable); diff != "" {
				t.Errorf("unreachable (-want +got):\n%s", diff)
			}
			if suspected != tt.suspected || res.Suspect.N != tt.suspected {
				t.Errorf("suspected %d (stats N %d), want %d", suspected, res.Suspect.N, tt.suspected)
			}
		})
	}
}

func TestDownAt(t *testing.T) {
	s := time.Second
	j := []Entry{
		ent(1, -20*s, EventJoin, "web_2"), ent(2, -20*s, EventJoin, "web_3"), ent(3, -20*s, EventJoin, "web_4"),
		ent(4, -10*s, EventFailed, "web_2"), ent(5, -9*s, EventLeave, "web_4"),
		ent(6, -8*s, EventFailed, "web_3"), ent(7, -5*s, EventJoin, "web_3"),
		ent(8, 5*s, EventJoin, "web_2"), // after t: does not count
	}
	if diff := cmp.Diff([]string{"web_2", "web_4"}, DownAt(j, t0, ClockOffset{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestTiming(t *testing.T) {
	lan, err := ProfileTiming("lan")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		n      int
		lo, hi time.Duration
	}{
		{"one node", 1, 4 * time.Second, 24 * time.Second},
		{"ten nodes", 10, 4 * time.Second, 24 * time.Second},
		{"hundred nodes", 100, 8 * time.Second, 48 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := lan.SuspicionBounds(tt.n)
			if lo != tt.lo || hi != tt.hi {
				t.Errorf("bounds %v..%v, want %v..%v", lo, hi, tt.lo, tt.hi)
			}
		})
	}
	if got := lan.DefaultTimeout(ActHalt, 10); got != 31*time.Second {
		t.Errorf("LAN halt timeout for 10 nodes = %v, want 31s (24s + 2 probes + 5s)", got)
	}
	if got := lan.DefaultTimeout(ActReload, 10); got != 91*time.Second {
		t.Errorf("LAN reload timeout for 10 nodes = %v, want 91s", got)
	}
	if _, err := ProfileTiming("fast"); err == nil {
		t.Error("unknown profile accepted")
	}
}

// clockShell answers `date +%s%N` with a clock skew ahead of the fake
// controller clock, each call advancing the controller by a step.
type clockShell struct {
	now   *time.Time
	skew  time.Duration
	steps []time.Duration // round trip per call
	calls int
	reply string
}

func (c *clockShell) Run(_ context.Context, _, cmd string, _ []byte) ([]byte, error) {
	rtt := c.steps[c.calls%len(c.steps)]
	c.calls++
	*c.now = c.now.Add(rtt / 2)
	remote := c.now.Add(c.skew)
	*c.now = c.now.Add(rtt / 2)
	if c.reply != "" {
		return []byte(c.reply), nil
	}
	return []byte(strings.TrimSpace(itoa64(remote.UnixNano())) + "\n"), nil
}

func TestEstimateOffset(t *testing.T) {
	now := t0
	sh := &clockShell{now: &now, skew: 1500 * time.Millisecond, steps: []time.Duration{40 * time.Millisecond, 4 * time.Millisecond, 90 * time.Millisecond}}
	got, err := EstimateOffset(context.Background(), sh, "web_1", 3, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	want := ClockOffset{Offset: 1500 * time.Millisecond, Uncertainty: 2 * time.Millisecond}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	sh.reply = "Fri Nov 27"
	if _, err := EstimateOffset(context.Background(), sh, "web_1", 1, func() time.Time { return now }); err == nil || !strings.Contains(hint.Text(err), "GNU date") {
		t.Errorf("non-numeric date: err = %v", err)
	}
}

// After heal, an observer is expected to see again the members it had
// down, but only those whose agent answers: a node whose agent was killed
// stays down whatever heal does, and waiting for it would only run out
// the timeout.
func TestHealExpectationsSkipDownAgents(t *testing.T) {
	at := time.Unix(1_800_000_000, 0)
	failed := func(seq uint64, node string) Entry {
		return Entry{Entry: rpc.Entry{Seq: seq, UnixNano: at.Add(-time.Second).UnixNano(), Type: EventFailed, Node: node}}
	}
	journals := map[string][]Entry{
		"web_1": {failed(1, "web_2"), failed(2, "web_3")},
		"web_2": {failed(1, "web_1")},
		// web_3 runs, but its agent is down: no journal.
	}
	running := []string{"web_1", "web_2", "web_3"}
	got := healExpectations([]string{"web_1", "web_2"}, journals, at, nil, running)
	want := []Expectation{{Observer: "web_1", Subjects: []string{"web_2"}}, {Observer: "web_2", Subjects: []string{"web_1"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("expectations (-want +got):\n%s", diff)
	}
}
