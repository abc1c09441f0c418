package bench

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Event is a membership change or broadcast whose dissemination is measured.
type Event string

// The events an experiment can inject.
const (
	EventJoin  Event = "join"  // a fresh node joins a converged cluster
	EventLeave Event = "leave" // a node leaves gracefully
	EventFail  Event = "fail"  // a node crashes (stops without leaving)
	EventUser  Event = "user"  // a user event is broadcast
)

// Events lists every event in a stable order.
var Events = []Event{EventJoin, EventLeave, EventFail, EventUser}

// ParseEvent returns the event named s.
func ParseEvent(s string) (Event, error) {
	for _, e := range Events {
		if string(e) == s {
			return e, nil
		}
	}
	return "", fmt.Errorf("unknown event %q (valid: %s)", s, joinEvents(Events))
}

func joinEvents(es []Event) string {
	ss := make([]string, len(es))
	for i, e := range es {
		ss[i] = string(e)
	}
	return strings.Join(ss, ", ")
}

// Sample is what one observer saw of one injected event in one run.
type Sample struct {
	Backend  string
	N        int // cluster size
	Run      int
	Observer string
	Event    Event
	// Latency from injection to the moment the observer learned the event;
	// meaningful only when Learned.
	Latency time.Duration
	Learned bool
	// Timeout is how long the run waited; an unlearned sample was not
	// learned within it.
	Timeout time.Duration
	// Count is how many observers the sample stands for: 0 for the one
	// named by Observer; for a line of a histogram (a run with more than
	// MaxObserverRows observers, see histogram), the number of observers
	// in its bin, with Observer empty.
	Count int
}

// Weight is the number of observers s stands for.
func (s Sample) Weight() int { return max(1, s.Count) }

// Key identifies a group of runs: one backend, event and cluster size.
type Key struct {
	Backend string
	Event   Event
	N       int
}

func (k Key) String() string { return fmt.Sprintf("%s/%s/N=%d", k.Backend, k.Event, k.N) }

var (
	csvHeader = []string{"backend", "n", "run", "observer", "event", "latency_s", "timeout_s", "count"}
	// csvHeaderV1 is the header of files written before histograms:
	// every line one observer.
	csvHeaderV1 = csvHeader[:7]
)

// EncodeSamples writes samples as CSV with a header line; count is empty
// for a line that is one named observer.
func EncodeSamples(samples []Sample) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(csvHeader)
	for _, s := range samples {
		lat := ""
		if s.Learned {
			lat = seconds(s.Latency)
		}
		count := ""
		if s.Count > 0 {
			count = strconv.Itoa(s.Count)
		}
		_ = w.Write([]string{s.Backend, strconv.Itoa(s.N), strconv.Itoa(s.Run), s.Observer,
			string(s.Event), lat, seconds(s.Timeout), count})
	}
	w.Flush()
	return buf.Bytes()
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 6, 64)
}

// DecodeSamples reads CSV written by EncodeSamples, or by its earlier
// form without the count column.
func DecodeSamples(r io.Reader) ([]Sample, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0 // every record as long as the header
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if !slices.Equal(head, csvHeader) && !slices.Equal(head, csvHeaderV1) {
		return nil, fmt.Errorf("unexpected header %q, want %q", strings.Join(head, ","), strings.Join(csvHeader, ","))
	}
	var out []Sample
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		s, err := parseSample(rec)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, s)
	}
}

func parseSample(rec []string) (Sample, error) {
	s := Sample{Backend: rec[0], Observer: rec[3], Event: Event(rec[4])}
	var err error
	if s.N, err = strconv.Atoi(rec[1]); err != nil || s.N < 1 {
		return s, fmt.Errorf("bad n %q", rec[1])
	}
	if s.Run, err = strconv.Atoi(rec[2]); err != nil || s.Run < 0 {
		return s, fmt.Errorf("bad run %q", rec[2])
	}
	if _, err := ParseEvent(rec[4]); err != nil {
		return s, err
	}
	if rec[5] != "" {
		if s.Latency, err = parseSeconds(rec[5]); err != nil {
			return s, fmt.Errorf("bad latency_s %q", rec[5])
		}
		s.Learned = true
	}
	if s.Timeout, err = parseSeconds(rec[6]); err != nil {
		return s, fmt.Errorf("bad timeout_s %q", rec[6])
	}
	if len(rec) > 7 && rec[7] != "" {
		if s.Count, err = strconv.Atoi(rec[7]); err != nil || s.Count < 1 {
			return s, fmt.Errorf("bad count %q", rec[7])
		}
	}
	return s, nil
}

func parseSeconds(v string) (time.Duration, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0, fmt.Errorf("not a duration in seconds: %q", v)
	}
	return time.Duration(math.Round(f * 1e9)), nil
}

// group holds the samples of one Key split by run.
type group struct {
	Key
	runs [][]Sample // ordered by run number
}

// groupSamples splits samples by key (ordered by backend order of first
// appearance, then event, then N) and by run.
func groupSamples(samples []Sample) []group {
	index := map[Key]map[int][]Sample{}
	var backends []string
	for _, s := range samples {
		k := Key{s.Backend, s.Event, s.N}
		if !slices.Contains(backends, s.Backend) {
			backends = append(backends, s.Backend)
		}
		if index[k] == nil {
			index[k] = map[int][]Sample{}
		}
		index[k][s.Run] = append(index[k][s.Run], s)
	}
	out := make([]group, 0, len(index))
	for k, byRun := range index {
		g := group{Key: k}
		for _, r := range slices.Sorted(maps.Keys(byRun)) {
			g.runs = append(g.runs, byRun[r])
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b group) int {
		if c := slices.Index(backends, a.Backend) - slices.Index(backends, b.Backend); c != 0 {
			return c
		}
		if c := slices.Index(Events, a.Event) - slices.Index(Events, b.Event); c != 0 {
			return c
		}
		return a.N - b.N
	})
	return out
}
