package bench

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func simRuns(t *testing.T, spec Spec) map[int][]Sample {
	t.Helper()
	out := map[int][]Sample{}
	if err := (Sim{}).Run(context.Background(), spec, func(run int, s []Sample) { out[run] = s }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSimBackend(t *testing.T) {
	p, _ := NewProfile("lan")
	tests := []struct {
		name string
		ev   Event
		n    int
	}{
		{"join adds an observer", EventJoin, 20},
		{"fail has every survivor observe", EventFail, 20},
		{"user event", EventUser, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := Spec{Event: tt.ev, N: tt.n, Runs: 5, Seed: 9, Profile: p}
			a := simRuns(t, spec)
			if got := slices.Sorted(maps.Keys(a)); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
				t.Fatalf("runs %v, want 0..4", got)
			}
			for r, s := range a {
				if len(s) != observers(tt.ev, tt.n) {
					t.Errorf("run %d: %d observers, want %d", r, len(s), observers(tt.ev, tt.n))
				}
				for _, x := range s {
					if !x.Learned || x.Latency <= 0 {
						t.Errorf("run %d: %s learned=%v at %v, want learned after the injection", r, x.Observer, x.Learned, x.Latency)
					}
				}
			}
			if diff := cmp.Diff(a, simRuns(t, spec)); diff != "" {
				t.Errorf("same seed, different samples:\n%s", diff)
			}
		})
	}
}

// Above MaxObserverRows observers a run comes as a histogram: a few
// lines, which together stand for every observer.
func TestSimBackendLargeRunIsAHistogram(t *testing.T) {
	p, _ := NewProfile("lan")
	spec := Spec{Event: EventJoin, N: MaxObserverRows + 1, Runs: 1, Seed: 3, Profile: p}
	s := simRuns(t, spec)[0]
	total := 0
	for _, x := range s {
		total += x.Weight()
		if x.Observer != "" || x.Count < 1 {
			t.Errorf("line %+v: want a histogram line (no observer, a count)", x)
		}
	}
	if total != observers(EventJoin, spec.N) || len(s) > 3000 {
		t.Errorf("%d lines for %d observers, want a few standing for %d", len(s), total, observers(EventJoin, spec.N))
	}
}
