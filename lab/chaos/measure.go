package chaos

import (
	"math"
	"slices"
	"sort"
	"time"
)

// Expectation says which subjects one observer should notice.
type Expectation struct {
	Observer string
	Subjects []string
}

// SameSubjects expects every observer to notice every subject.
func SameSubjects(observers, subjects []string) []Expectation {
	out := make([]Expectation, len(observers))
	for i, o := range observers {
		out[i] = Expectation{Observer: o, Subjects: subjects}
	}
	return out
}

// CrossSubjects expects each side of a partition to notice the other side.
func CrossSubjects(a, b []string) []Expectation {
	return append(SameSubjects(a, b), SameSubjects(b, a)...)
}

// MeasureInput is everything a measurement needs. Journals and clock
// offsets are by observer; an observer without a journal is unreachable.
type MeasureInput struct {
	Injected time.Time // on the controller's clock
	Timeout  time.Duration
	Outcomes []string // entry types that count as noticing
	Expect   []Expectation
	Journals map[string][]Entry
	Clocks   map[string]ClockOffset // none: the node shares the controller's clock
}

// Outcome labels besides journal entry types.
const (
	OutcomeNever       = "never"
	OutcomeUnreachable = "unreachable"
)

// Observation is what one observer recorded.
type Observation struct {
	Node string `json:"node"`
	// Outcome is the entry type that completed the observation (the last
	// subject noticed), "never" or "unreachable".
	Outcome string `json:"outcome"`
	// Latency is from injection until the observer had noticed every
	// subject; valid when Saw.
	Latency time.Duration `json:"-"`
	Saw     bool          `json:"-"`
	// Noticed of Expected subjects were noticed within the timeout.
	Noticed  int `json:"noticed"`
	Expected int `json:"expected"`
	// Suspect is from injection until the observer first suspected a
	// subject, when its journal records suspicion.
	Suspect   time.Duration `json:"-"`
	Suspected bool          `json:"-"`
	LatencyS  *float64      `json:"latency_s"`
	SuspectS  *float64      `json:"suspect_s,omitempty"`
	// ClockError is the observer's clock uncertainty (0: shared clock).
	ClockError  time.Duration `json:"-"`
	ClockErrorS float64       `json:"clock_uncertainty_s"`
	// Transitions are the changes the observer recorded for its subjects,
	// oldest first (see Transition); none when it was unreachable.
	Transitions []Transition `json:"transitions,omitempty"`
}

// Stats summarise latencies (nearest-rank percentiles).
type Stats struct {
	N                          int
	First, P50, P95, P99, Last time.Duration
}

// Result is a measurement.
type Result struct {
	Observations []Observation
	Stats        Stats // of the observers that saw it
	Suspect      Stats // of the observers that recorded suspicion (N may be 0)
	Never        []string
	Unreachable  []string
	// ClockUncertainty is the largest clock uncertainty of any observer:
	// every latency is good to within it.
	ClockUncertainty time.Duration
}

// Measure computes, for every observer, when it first recorded the
// expected outcome for each of its subjects, and summarises them. Entries
// before the injection (less the clock uncertainty) or after the timeout
// do not count. Every observer also keeps the transitions it recorded
// for its subjects (see Transition).
func Measure(in MeasureInput) Result {
	var res Result
	var lat, sus []time.Duration
	for _, ex := range in.Expect {
		obs := observe(in, ex)
		res.ClockUncertainty = max(res.ClockUncertainty, obs.ClockError)
		switch {
		case obs.Outcome == OutcomeUnreachable:
			res.Unreachable = append(res.Unreachable, ex.Observer)
		case obs.Saw:
			lat = append(lat, obs.Latency)
		default:
			res.Never = append(res.Never, ex.Observer)
		}
		if obs.Suspected {
			sus = append(sus, obs.Suspect)
		}
		res.Observations = append(res.Observations, obs)
	}
	res.Stats = Summarize(lat)
	res.Suspect = Summarize(sus)
	return res
}

// observe measures one observer.
func observe(in MeasureInput, ex Expectation) Observation {
	obs := Observation{Node: ex.Observer, Expected: len(ex.Subjects)}
	journal, reachable := in.Journals[ex.Observer]
	clock := in.Clocks[ex.Observer]
	obs.ClockError, obs.ClockErrorS = clock.Uncertainty, clock.Uncertainty.Seconds()
	if !reachable {
		obs.Outcome = OutcomeUnreachable
		return obs
	}
	first, suspect := firstEntries(in, ex.Subjects, journal, clock)
	obs.Noticed = len(first)
	var last Entry
	for _, e := range first {
		if last.Type == "" || e.Time().After(last.Time()) {
			last = e
		}
	}
	if at := firstSuspicion(suspect, first, clock); !at.IsZero() {
		obs.Suspected, obs.Suspect = true, at.Sub(in.Injected)
		obs.SuspectS = seconds(obs.Suspect)
	}
	if obs.Noticed == obs.Expected && obs.Expected > 0 {
		obs.Saw = true
		obs.Outcome = last.Type
		obs.Latency = last.Time().Add(-clock.Offset).Sub(in.Injected)
		obs.LatencyS = seconds(obs.Latency)
	} else {
		obs.Outcome = OutcomeNever
	}
	obs.Transitions = transitions(in, ex.Subjects, journal, clock)
	return obs
}

// firstEntries reads an observer's journal for its subjects, from the
// injection (less the clock's uncertainty) to the timeout: per subject,
// its first entry of an expected outcome, and its first suspicion (on
// the controller's clock).
func firstEntries(in MeasureInput, subjects []string, journal []Entry, clock ClockOffset) (first map[string]Entry, suspect map[string]time.Time) {
	from := in.Injected.Add(-clock.Uncertainty)
	until := in.Injected.Add(in.Timeout)
	first, suspect = map[string]Entry{}, map[string]time.Time{}
	for _, e := range journal {
		at := e.Time().Add(-clock.Offset)
		if at.Before(from) || at.After(until) || !slices.Contains(subjects, e.Node) {
			continue
		}
		if e.Type == EventSuspect {
			if prev, ok := suspect[e.Node]; !ok || at.Before(prev) {
				suspect[e.Node] = at
			}
		}
		if !slices.Contains(in.Outcomes, e.Type) {
			continue
		}
		if prev, ok := first[e.Node]; !ok || e.Time().Before(prev.Time()) {
			first[e.Node] = e
		}
	}
	return first, suspect
}

// firstSuspicion is the earliest suspicion of any subject that came
// before the outcome it led to (a late probe of a member already failed
// says nothing); zero when none did.
func firstSuspicion(suspect map[string]time.Time, first map[string]Entry, clock ClockOffset) time.Time {
	var earliest time.Time
	for subj, at := range suspect {
		if out, ok := first[subj]; ok && at.After(out.Time().Add(-clock.Offset)) {
			continue
		}
		if earliest.IsZero() || at.Before(earliest) {
			earliest = at
		}
	}
	return earliest
}

// Summarize computes first, p50, p95, p99 and last of ds by the
// nearest-rank method (the smallest value with at least p% of the values
// at or below it). It leaves ds unchanged.
func Summarize(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return Stats{N: len(s), First: s[0], P50: rank(0.50), P95: rank(0.95), P99: rank(0.99), Last: s[len(s)-1]}
}

// DownAt returns the members that the journal last recorded as failed or
// left at or before t (on the controller's clock): what a heal should
// bring back, as this observer saw it.
func DownAt(journal []Entry, t time.Time, clock ClockOffset) []string {
	state := map[string]string{}
	var order []string
	for _, e := range journal {
		if e.Time().Add(-clock.Offset).After(t) {
			continue
		}
		switch e.Type {
		case EventJoin, EventFailed, EventLeave:
			if _, ok := state[e.Node]; !ok {
				order = append(order, e.Node)
			}
			state[e.Node] = e.Type
		}
	}
	var out []string
	for _, n := range order {
		if state[n] != EventJoin {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func seconds(d time.Duration) *float64 {
	s := math.Round(d.Seconds()*1e6) / 1e6
	return &s
}
