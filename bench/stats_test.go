package bench

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNearestRank(t *testing.T) {
	vals := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	inf := math.Inf(1)
	tests := []struct {
		name   string
		sorted []float64
		p      float64
		want   float64
	}{
		{"median of ten", vals, 50, 5},
		{"p95 of ten", vals, 95, 10},
		{"p91 of ten", vals, 91, 10},
		{"p90 of ten", vals, 90, 9},
		{"p100", vals, 100, 10},
		{"p0 is the first", vals, 0, 1},
		{"unlearned is infinite", []float64{1, 2, inf}, 100, inf},
		{"reached despite unlearned", []float64{1, 2, inf}, 50, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nearestRank(tt.sorted, tt.p); got != tt.want {
				t.Errorf("nearestRank(%v, %g) = %g, want %g", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarizeKnownPercentiles(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name     string
		samples  []Sample
		want     [5]*float64 // t0, t50, t95, t99, t100
		coverage float64
		exactCI  bool // every run identical: the interval collapses
	}{
		{
			name:     "identical runs, 100 observers 10ms apart",
			samples:  synthetic("memberlist", EventJoin, 101, 5, 100, 0, 10*ms, 0),
			want:     [5]*float64{ptr(0.01), ptr(0.5), ptr(0.95), ptr(0.99), ptr(1.0)},
			coverage: 1,
			exactCI:  true,
		},
		{
			name:     "runs shifted by 100ms: median is the middle run",
			samples:  synthetic("memberlist", EventJoin, 101, 5, 100, 0, 10*ms, 100*ms),
			want:     [5]*float64{ptr(0.21), ptr(0.7), ptr(1.15), ptr(1.19), ptr(1.2)},
			coverage: 1,
		},
		{
			name:     "two of ten never learn",
			samples:  synthetic("memberlist", EventFail, 11, 3, 10, 2, 100*ms, 0),
			want:     [5]*float64{ptr(0.1), ptr(0.5), nil, nil, nil},
			coverage: 0.8,
			exactCI:  true,
		},
		{
			name:     "one run",
			samples:  synthetic("serf-formula", EventJoin, 11, 1, 10, 0, 100*ms, 0),
			want:     [5]*float64{ptr(0.1), ptr(0.5), ptr(1.0), ptr(1.0), ptr(1.0)},
			coverage: 1,
			exactCI:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs := Summarize(tt.samples, 1, nil)
			if len(gs) != 1 {
				t.Fatalf("got %d groups, want 1", len(gs))
			}
			g := gs[0]
			got := [5]*float64{g.T0.Value, g.T50.Value, g.T95.Value, g.T99.Value, g.T100.Value}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(approx)); diff != "" {
				t.Errorf("percentiles (-want +got):\n%s", diff)
			}
			if math.Abs(g.Coverage-tt.coverage) > 1e-9 {
				t.Errorf("coverage = %g, want %g", g.Coverage, tt.coverage)
			}
			for i, p := range Percentiles {
				e := g.Percentile(p)
				if e.Value == nil {
					continue
				}
				if e.Low == nil || e.High == nil || *e.Low > *e.Value || *e.High < *e.Value {
					t.Errorf("t%g: interval %v..%v does not hold %v", p, deref(e.Low), deref(e.High), *e.Value)
				}
				if tt.exactCI && (*e.Low != *e.Value || *e.High != *e.Value) {
					t.Errorf("t%g: identical runs give interval %v..%v, want the value %v", p, *e.Low, *e.High, *got[i])
				}
			}
		})
	}
}

func TestSummarizeIsSeeded(t *testing.T) {
	s := synthetic("memberlist", EventJoin, 101, 7, 100, 0, 10*time.Millisecond, 37*time.Millisecond)
	a, b := Summarize(s, 42, nil), Summarize(s, 42, nil)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different summaries:\n%s", diff)
	}
}

func ptr(f float64) *float64 { return &f }

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func approx(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 1e-9
}

func TestTolerance(t *testing.T) {
	tests := []struct {
		name     string
		ev       Event
		p        float64
		measured float64
		want     float64
	}{
		{"crash first-dead", EventFail, 0, 9.5, 1},
		{"crash all-dead", EventFail, 100, 11, 1},
		{"join first learner has none", EventJoin, 0, 0.01, 0},
		{"join t50 floor", EventJoin, 50, 0.3, 0.2},
		{"leave t95 relative", EventLeave, 95, 3, 0.3},
		{"join t99 relative", EventJoin, 99, 2, 0.3},
		{"join t100 has none", EventJoin, 100, 0.6, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tolerance(tt.ev, tt.p, tt.measured); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("tolerance(%s, t%g, %g) = %g, want %g", tt.ev, tt.p, tt.measured, got, tt.want)
			}
		})
	}
}

// TestDecodeSummaryWithoutT0 loads a summary.json written before t0_s
// existed: it decodes, with t0 "not reached".
func TestDecodeSummaryWithoutT0(t *testing.T) {
	old := `{"name": "old", "incomplete": false, "environment": {"seed": 1},
  "groups": [{"backend": "memberlist", "event": "fail", "n": 10, "runs": 2, "observers": 18,
    "t50_s": {"value": 5.7, "ci95_low": 5.6, "ci95_high": 5.8},
    "t95_s": {"value": 5.9, "ci95_low": 5.8, "ci95_high": 6.0},
    "t99_s": {"value": 6.0, "ci95_low": 5.9, "ci95_high": 6.1},
    "t100_s": {"value": 6.0, "ci95_low": 5.9, "ci95_high": 6.1}, "coverage": 1}]}`
	sum, err := DecodeSummary([]byte(old))
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Groups) != 1 {
		t.Fatalf("got %d groups, want 1", len(sum.Groups))
	}
	g := sum.Groups[0]
	if g.T0.Value != nil || g.T50.Value == nil || *g.T50.Value != 5.7 {
		t.Errorf("t0 = %v, t50 = %v; want not reached and 5.7", deref(g.T0.Value), deref(g.T50.Value))
	}
}
