package bench

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"
)

// fastProfile shortens memberlist's timers so that a crash is detected in
// about a second.
func fastProfile(t *testing.T) Profile {
	p, err := NewProfile("local")
	if err != nil {
		t.Fatal(err)
	}
	c := &p.Config
	c.GossipInterval = 50 * time.Millisecond
	c.ProbeInterval = 200 * time.Millisecond
	c.ProbeTimeout = 100 * time.Millisecond
	c.SuspicionMult = 2
	c.RetransmitMult = 4 // the LAN value: Local's 2 lets a small cluster miss a user event
	c.PushPullInterval = 2 * time.Second
	c.GossipToTheDeadTime = 2 * time.Second
	return p
}

// TestMemberlistEvents runs each event on 6 real agents on loopback.
func TestMemberlistEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real agents on loopback; skipped with -short")
	}
	for _, ev := range Events {
		t.Run(string(ev), func(t *testing.T) {
			m := NewMemberlist(slog.New(slog.NewTextHandler(io.Discard, nil)), 101)
			m.StartSpread = time.Second
			spec := Spec{Event: ev, N: 6, Runs: 2, Seed: 3, Profile: fastProfile(t)}
			var runs [][]Sample
			err := m.Run(context.Background(), spec, func(run int, s []Sample) {
				if run != len(runs) {
					t.Errorf("run %d reported out of order", run)
				}
				runs = append(runs, s)
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 2 {
				t.Fatalf("got %d runs, want 2", len(runs))
			}
			wantObs := observers(ev, spec.N)
			for r, s := range runs {
				if len(s) != wantObs {
					t.Errorf("run %d: %d observers, want %d", r, len(s), wantObs)
				}
				seen := map[string]bool{}
				missed := 0
				for _, x := range s {
					if !x.Learned {
						missed++
						t.Logf("run %d: %s never learned the %s", r, x.Observer, ev)
					}
					if x.Latency < 0 || x.Latency > x.Timeout {
						t.Errorf("run %d: %s latency %v outside [0, %v]", r, x.Observer, x.Latency, x.Timeout)
					}
					if seen[x.Observer] {
						t.Errorf("run %d: observer %s twice", r, x.Observer)
					}
					seen[x.Observer] = true
				}
				// A real cluster may miss one (gossip is probabilistic);
				// more means the harness lost track.
				if missed > 1 {
					t.Errorf("run %d: %d of %d observers never learned the %s", r, missed, len(s), ev)
				}
			}
		})
	}
}

func TestMemberlistRefusesHugeClusters(t *testing.T) {
	m := NewMemberlist(slog.New(slog.NewTextHandler(io.Discard, nil)), 101)
	p, _ := NewProfile("lan")
	err := m.Run(context.Background(), Spec{Event: EventJoin, N: MaxMemberlistNodes + 1, Runs: 1, Profile: p}, func(int, []Sample) {})
	if err == nil {
		t.Fatal("no error for a cluster over the limit")
	}
}
