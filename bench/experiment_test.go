package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"
)

// fakeBackend returns runs of synthetic samples; with cancelAfter > 0 it
// cancels the experiment after that many runs and then waits for ctx.
type fakeBackend struct {
	name        string
	cancelAfter int
	cancel      context.CancelFunc
	err         error
}

func (f *fakeBackend) Name() string { return f.name }

func (f *fakeBackend) Run(ctx context.Context, spec Spec, done func(int, []Sample)) error {
	if f.err != nil {
		return f.err
	}
	for r := range spec.Runs {
		if f.cancelAfter > 0 && r == f.cancelAfter {
			f.cancel()
			<-ctx.Done()
			return ctx.Err()
		}
		s := synthetic(f.name, spec.Event, spec.N, 1, spec.N, 0, time.Millisecond, 0)
		for i := range s {
			s[i].Run = r
		}
		done(r, s)
	}
	return nil
}

type countObserver struct{ n int }

func (c *countObserver) RunDone(Key, int, int) { c.n++ }

func TestExecute(t *testing.T) {
	p, err := NewProfile("lan")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name           string
		backends       func(cancel context.CancelFunc) []Backend
		wantRuns       int
		wantIncomplete bool
		wantErr        error
	}{
		{
			name:     "all runs",
			backends: func(context.CancelFunc) []Backend { return []Backend{&fakeBackend{name: "a"}, SerfFormula{}} },
			wantRuns: 2*3 + 2*1,
		},
		{
			name: "interrupted keeps finished runs",
			backends: func(c context.CancelFunc) []Backend {
				return []Backend{&fakeBackend{name: "a", cancelAfter: 2, cancel: c}, SerfFormula{}}
			},
			wantRuns:       2,
			wantIncomplete: true,
			wantErr:        context.Canceled,
		},
		{
			name: "failing backend does not stop the others",
			backends: func(context.CancelFunc) []Backend {
				return []Backend{&fakeBackend{name: "a", err: errors.New("boom")}, SerfFormula{}}
			},
			wantRuns:       2,
			wantIncomplete: true,
			wantErr:        errors.New("boom"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			x := Experiment{Backends: tt.backends(cancel), Events: []Event{EventJoin, EventFail}, Nodes: []int{5}, Runs: 3, Seed: 1, Profile: p}
			d := Dir{Path: t.TempDir()}
			res := &Results{Name: "t"}
			obs := &countObserver{}
			err := x.Execute(ctx, d, res, obs, log)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Execute: %v", err)
			case tt.wantErr != nil && err == nil:
				t.Fatalf("Execute succeeded, want %v", tt.wantErr)
			case errors.Is(tt.wantErr, context.Canceled) && !errors.Is(err, context.Canceled):
				t.Fatalf("Execute: %v, want cancellation", err)
			}
			if obs.n != tt.wantRuns {
				t.Errorf("%d runs reported, want %d", obs.n, tt.wantRuns)
			}
			if res.Incomplete != tt.wantIncomplete {
				t.Errorf("incomplete = %v, want %v", res.Incomplete, tt.wantIncomplete)
			}
			b, err := os.ReadFile(d.Summary())
			if err != nil {
				t.Fatal(err)
			}
			sum, err := DecodeSummary(b)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Incomplete != tt.wantIncomplete {
				t.Errorf("summary.json incomplete = %v, want %v", sum.Incomplete, tt.wantIncomplete)
			}
			if _, err := os.Stat(d.Report()); err != nil {
				t.Errorf("no report: %v", err)
			}
		})
	}
}

func TestPlanSkipsUnsupportedEvents(t *testing.T) {
	x := Experiment{Backends: []Backend{SerfFormula{}, LowerBound{}}, Events: []Event{EventJoin, EventFail}, Nodes: []int{10, 100}, Runs: 5}
	var got []string
	for _, j := range x.Plan() {
		got = append(got, Key{j.Backend.Name(), j.Spec.Event, j.Spec.N}.String())
		if j.Runs() != 1 {
			t.Errorf("%s: %d runs, closed-form models run once", j.Backend.Name(), j.Runs())
		}
	}
	want := "[serf-formula/join/N=10 lower-bound/join/N=10 serf-formula/fail/N=10 serf-formula/join/N=100 lower-bound/join/N=100 serf-formula/fail/N=100]"
	if g := fmt.Sprint(got); g != want {
		t.Errorf("plan = %s\nwant %s", g, want)
	}
}

func TestPlanRunsLargeSizes(t *testing.T) {
	tests := []struct {
		name      string
		largeRuns int
		want      string
	}{
		{"large runs set", 3, "[8 8 3 3]"},
		{"large runs unset", 0, "[8 8 8 8]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := Experiment{Backends: []Backend{Sim{}}, Events: []Event{EventJoin}, Nodes: []int{10, LargeN - 1, LargeN, 1_000_000}, Runs: 8, LargeRuns: tt.largeRuns}
			var got []int
			for _, j := range x.Plan() {
				got = append(got, j.Runs())
			}
			if g := fmt.Sprint(got); g != tt.want {
				t.Errorf("runs per size %s, want %s", g, tt.want)
			}
		})
	}
}
