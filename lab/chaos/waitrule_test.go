package chaos

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestScenarioOf(t *testing.T) {
	tests := []struct {
		f    Fault
		want string // "" when there is nothing to predict
	}{
		{Fault{N: 10, Action: ActKillAgent, Targets: 1}, "crash of 1 of 10"},
		{Fault{N: 10, Action: ActHalt, Targets: 3}, "crash of 3 of 10"},
		{Fault{N: 10, Action: ActIsolate, Targets: 1}, "crash of 1 of 10"},
		{Fault{N: 10, Action: ActStopAgent, Targets: 1}, "leave of 1 of 10"},
		{Fault{N: 10, Action: ActStopAgent, Targets: 2}, "leave of 2 of 10 (simulated as one)"},
		{Fault{N: 10, Action: ActStartAgent, Targets: 1}, "join to 10"},
		{Fault{N: 10, Action: ActReload, Targets: 1}, "join to 10"},
		{Fault{N: 10, Action: ActEvent, Targets: 1}, "user event in 10"},
		{Fault{N: 50, Action: ActPartition, Sides: [2]int{25, 25}}, "partition 25|25 of 50"},
		{Fault{N: 50, Action: ActPartition, Sides: [2]int{10, 20}}, "partition 10|20 of 50"},
		{Fault{N: 50, Action: ActHeal, Targets: 25}, "heal of a partition 25|25"},
		{Fault{N: 10, Action: ActPartition, Sides: [2]int{0, 10}}, ""},
		{Fault{N: 10, Action: ActHeal}, ""},
		{Fault{N: 10, Action: ActKillAgent, Targets: 10}, ""},
		{Fault{N: 10, Action: ActLoss, Targets: 3}, ""},
		{Fault{N: 1, Action: ActUp, Targets: 1}, ""},
		{Fault{N: 10, Action: ActDelay, Targets: 3}, ""},
	}
	for _, tt := range tests {
		_, got, ok := scenarioOf("lan", tt.f)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("scenarioOf(%+v) = %q, %v; want %q", tt.f, got, ok, tt.want)
		}
	}
}

// The default wait grows with the fault: one crash, then a partition of
// 50 in halves, then one of 250 in halves; each covers the simulator's
// slowest observer with the margin.
func TestDefaultWaitGrowsWithTheFault(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a partition of 250 nodes")
	}
	faults := []Fault{
		{N: 50, Action: ActKillAgent, Targets: 1},
		{N: 50, Action: ActPartition, Sides: [2]int{25, 25}},
		{N: 250, Action: ActPartition, Sides: [2]int{125, 125}},
	}
	p := &Predictor{}
	var prev time.Duration
	for _, f := range faults {
		pr, ok, err := p.Predict(context.Background(), "lan", f)
		if err != nil || !ok {
			t.Fatalf("predict %+v: %v, %v", f, ok, err)
		}
		if pr.Coverage != 1 || pr.P50 <= 0 || pr.P50 > pr.P99 || pr.P99 > pr.Last {
			t.Errorf("%s: coverage %v, p50 %v, p99 %v, last %v", pr.Scenario, pr.Coverage, pr.P50, pr.P99, pr.Last)
		}
		w, err := DefaultWait("lan", f, pr, ok)
		if err != nil {
			t.Fatal(err)
		}
		if w.Base < time.Duration(WaitMargin*float64(pr.Last))+WaitFloor || w.Base <= prev {
			t.Errorf("%s: wait %v for a last observer at %v (previous fault's wait %v)", pr.Scenario, w.Base, pr.Last, prev)
		}
		if w.Cap != min(WaitCapFactor*w.Base, WaitCapMax) || w.Quiet <= 0 || w.Prediction == nil {
			t.Errorf("%s: cap %v, quiet %v, prediction %v", pr.Scenario, w.Cap, w.Quiet, w.Prediction)
		}
		t.Logf("%s: predicted p50 %v p99 %v last %v (%d runs, %v); wait %v, up to %v", pr.Scenario, pr.P50, pr.P99, pr.Last, pr.Runs, pr.CPU, w.Base, w.Cap)
		prev = w.Base
	}
}

// The same fault is simulated once: the second answer is the cached one.
func TestPredictorCaches(t *testing.T) {
	p := &Predictor{}
	f := Fault{N: 20, Action: ActKillAgent, Targets: 1}
	a, _, err := p.Predict(context.Background(), "lan", f)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := p.Predict(context.Background(), "lan", f)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" || len(p.cache) != 1 {
		t.Errorf("second prediction differs (-first +second), cache %d:\n%s", len(p.cache), diff)
	}
}

func TestDefaultWaitRules(t *testing.T) {
	pr := Prediction{Last: 6 * time.Second}
	tests := []struct {
		name    string
		profile string
		f       Fault
		pr      Prediction
		ok      bool
		want    Wait
	}{
		{
			name: "predicted crash", profile: "lan", f: Fault{N: 10, Action: ActKillAgent, Targets: 1}, pr: pr, ok: true,
			want: Wait{Base: 19 * time.Second, Quiet: 31 * time.Second, Cap: 190 * time.Second},
		},
		{
			name: "nothing predicted: the profile's bound, fixed", profile: "lan", f: Fault{N: 10, Action: ActKillAgent, Targets: 1},
			want: Wait{Base: 31 * time.Second, Cap: 31 * time.Second},
		},
		{
			name: "a boot waits at least the profile's bound", profile: "lan", f: Fault{N: 10, Action: ActReload, Targets: 1}, pr: pr, ok: true,
			want: Wait{Base: 91 * time.Second, Quiet: 91 * time.Second, Cap: 910 * time.Second},
		},
		{
			name: "the cap is an hour at most", profile: "wan", f: Fault{N: 1000, Action: ActPartition, Sides: [2]int{500, 500}},
			pr: Prediction{Last: 10 * time.Minute}, ok: true,
			want: Wait{Base: 15*time.Minute + 10*time.Second, Quiet: 9*time.Minute + 15*time.Second, Cap: time.Hour},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DefaultWait(tt.profile, tt.f, tt.pr, tt.ok)
			if err != nil {
				t.Fatal(err)
			}
			got.Rule, got.Prediction = "", nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("wait (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWaitDeadline(t *testing.T) {
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	w := Wait{Base: 60 * time.Second, Quiet: 30 * time.Second, Cap: 200 * time.Second}
	tests := []struct {
		name     string
		w        Wait
		progress time.Duration // after the injection; < 0: none yet
		want     time.Duration
	}{
		{"nothing noticed: the base", w, -1, 60 * time.Second},
		{"noticed early: the base", w, 10 * time.Second, 60 * time.Second},
		{"noticed late: quiet after it", w, 50 * time.Second, 80 * time.Second},
		{"still noticing: the cap", w, 190 * time.Second, 200 * time.Second},
		{"--timeout is fixed", FixedWait(20 * time.Second), 19 * time.Second, 20 * time.Second},
	}
	for _, tt := range tests {
		var last time.Time
		if tt.progress >= 0 {
			last = at.Add(tt.progress)
		}
		if got := tt.w.Deadline(at, last).Sub(at); got != tt.want {
			t.Errorf("%s: deadline %v after the injection, want %v", tt.name, got, tt.want)
		}
	}
}

// BenchmarkPredict is what a step's default wait costs before the
// injection, uncached.
func BenchmarkPredict(b *testing.B) {
	for _, f := range []Fault{
		{N: 500, Action: ActKillAgent, Targets: 1},
		{N: 50, Action: ActPartition, Sides: [2]int{25, 25}},
		{N: 250, Action: ActPartition, Sides: [2]int{125, 125}},
		{N: 500, Action: ActPartition, Sides: [2]int{250, 250}},
		{N: 250, Action: ActHeal, Targets: 125},
	} {
		_, name, _ := scenarioOf("lan", f)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := (&Predictor{}).Predict(context.Background(), "lan", f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Without --timeout a step waits by the simulator's forecast of it, and
// its summary holds the forecast; an observer that never notices ends
// the wait once the others have been quiet for the profile's bound.
func TestEngineDefaultWait(t *testing.T) {
	c := newFakeCluster(t, 5)
	c.deaf["web_4"] = true
	s, err := c.engine().Do(context.Background(), mustReq(t, "kill-agent web_1"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"web_4"}, s.Never); diff != "" {
		t.Errorf("never (-want +got):\n%s", diff)
	}
	w := s.Wait
	if w == nil || w.Predicted == nil || w.Predicted.Scenario != "crash of 1 of 5" {
		t.Fatalf("wait %+v, want the simulator's crash of 1 of 5", w)
	}
	if s.TimeoutS < w.BaseS || s.TimeoutS > w.CapS || w.BaseS < WaitMargin*w.Predicted.LastS+WaitFloor.Seconds() {
		t.Errorf("waited %vs: base %vs, cap %vs, predicted last %vs", s.TimeoutS, w.BaseS, w.CapS, w.Predicted.LastS)
	}
}
