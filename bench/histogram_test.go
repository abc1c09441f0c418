package bench

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRunSamplesUpToMaxObserverRowsNamesEveryObserver(t *testing.T) {
	proto := Sample{Backend: BackendSim, N: 3, Event: EventFail, Timeout: time.Second}
	got := runSamples(proto, []time.Duration{300 * time.Millisecond, -1, 2 * time.Second}, observerName)
	want := []Sample{
		{Backend: BackendSim, N: 3, Event: EventFail, Timeout: time.Second, Observer: "node-0", Latency: 300 * time.Millisecond, Learned: true},
		{Backend: BackendSim, N: 3, Event: EventFail, Timeout: time.Second, Observer: "node-1"},
		{Backend: BackendSim, N: 3, Event: EventFail, Timeout: time.Second, Observer: "node-2"}, // after the timeout
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestHistogramLines(t *testing.T) {
	ms := time.Millisecond
	proto := Sample{Backend: BackendSim, N: 9, Event: EventJoin, Timeout: time.Second}
	line := func(lat time.Duration, count int) Sample {
		s := proto
		s.Latency, s.Learned, s.Count = lat, lat >= 0, count
		if lat < 0 {
			s.Latency = 0
		}
		return s
	}
	tests := []struct {
		name string
		lats []time.Duration
		want []Sample
	}{
		{
			name: "first learner alone, then one line per bin at its latest",
			lats: []time.Duration{ms + 100, ms + 700, 5*ms + 3, ms + 200, 5*ms + 900},
			want: []Sample{line(ms+100, 1), line(ms+700, 2), line(5*ms+900, 2)},
		},
		{
			name: "never learned and too late share the last line",
			lats: []time.Duration{-1, 2 * time.Second, 3 * ms},
			want: []Sample{line(3*ms, 1), line(-1, 2)},
		},
		{
			name: "nobody learned",
			lats: []time.Duration{-1, -1},
			want: []Sample{line(-1, 2)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, histogram(proto, tt.lats)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// A large run kept as a histogram gives the same coverage, t0 and t100 as
// one line per observer, and every other percentile at most one bin late,
// also after a round trip through samples.csv.
func TestHistogramKeepsTheStatistics(t *testing.T) {
	const n, never = MaxObserverRows + 5000, 37
	rng := rand.New(rand.NewPCG(7, 7))
	proto := Sample{Backend: BackendSim, N: n, Event: EventJoin, Timeout: 5 * time.Second}
	var perObserver, binned []Sample
	for run := range 3 {
		lats := make([]time.Duration, n)
		for i := range lats {
			lats[i] = time.Duration(rng.ExpFloat64() * float64(400*time.Millisecond))
			if run == 2 && i < never { // t100 is then the median of the other two
				lats[i] = -1
			}
		}
		p := proto
		p.Run = run
		for i, l := range lats {
			s := p
			s.Observer = observerName(i)
			if l >= 0 && l <= p.Timeout {
				s.Latency, s.Learned = l, true
			}
			perObserver = append(perObserver, s)
		}
		h := runSamples(p, lats, observerName)
		if len(h) > 6000 {
			t.Errorf("run %d: %d histogram lines for %d observers", run, len(h), n)
		}
		binned = append(binned, h...)
	}
	decoded, err := DecodeSamples(bytes.NewReader(EncodeSamples(binned)))
	if err != nil {
		t.Fatal(err)
	}
	want := Summarize(perObserver, 1, nil)[0]
	got := Summarize(decoded, 1, nil)[0]
	if got.Observers != want.Observers || got.Coverage != want.Coverage || got.Runs != want.Runs {
		t.Errorf("runs %d observers %d coverage %v, want %d %d %v", got.Runs, got.Observers, got.Coverage, want.Runs, want.Observers, want.Coverage)
	}
	for _, p := range Percentiles {
		w, g := *want.Percentile(p).Value, *got.Percentile(p).Value
		late := g - w
		exact := p == 0 || p == 100
		// CSV keeps microseconds: allow that much either way.
		if exact && math.Abs(late) > 1e-6 || !exact && (late < -1e-6 || late > HistogramBin.Seconds()+1e-6) {
			t.Errorf("t%g: histogram %.6f s, per observer %.6f s", p, g, w)
		}
	}
}

func TestDecodeSamplesReadsFilesWithoutCount(t *testing.T) {
	in := "backend,n,run,observer,event,latency_s,timeout_s\nsim,3,0,node-1,join,0.250000,5.000000\n"
	got, err := DecodeSamples(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Sample{{Backend: "sim", N: 3, Observer: "node-1", Event: EventJoin, Latency: 250 * time.Millisecond, Learned: true, Timeout: 5 * time.Second}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
