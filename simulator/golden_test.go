package simulator

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/golden"
)

// TestResultsMatchGolden pins the exact results of seeded runs across
// events, presets, sizes up to 10,000, loss, lock-step ticks and sampled
// latency: a change to the engine that is meant to make it faster, not
// different, must leave every digest as it is. A change that is meant to
// alter the model rewrites them with -update, and says why in its commit.
//
//	go test -run TestResultsMatchGolden ./simulator -update
func TestResultsMatchGolden(t *testing.T) {
	lossy := LANNetwork()
	lossy.Loss = 0.05
	sampled := Network{Latency: SampledLatency([]time.Duration{200 * time.Microsecond, time.Millisecond, 8 * time.Millisecond})}
	lockStep := LAN()
	lockStep.LockStep = true
	tests := []struct {
		name string
		cfg  Config
		net  Network
		sc   Scenario
	}{
		{"join lan 10", LAN(), LANNetwork(), Scenario{N: 10, Event: Join}},
		{"join lan 1000", LAN(), LANNetwork(), Scenario{N: 1000, Event: Join}},
		{"join lan 10000", LAN(), LANNetwork(), Scenario{N: 10_000, Event: Join}},
		{"join wan 1000", WAN(), LANNetwork(), Scenario{N: 1000, Event: Join}},
		{"join lock-step 1000", lockStep, LANNetwork(), Scenario{N: 1000, Event: Join}},
		{"leave lan 100", LAN(), LANNetwork(), Scenario{N: 100, Event: Leave}},
		{"leave local 1000", Local(), LANNetwork(), Scenario{N: 1000, Event: Leave}},
		{"fail lan 50", LAN(), LANNetwork(), Scenario{N: 50, Event: Fail}},
		{"fail lan 10000", LAN(), LANNetwork(), Scenario{N: 10_000, Event: Fail}},
		{"fail lossy 1000", LAN(), lossy, Scenario{N: 1000, Event: Fail}},
		{"user lossy 1000", LAN(), lossy, Scenario{N: 1000, Event: User}},
		{"user sampled latency 1000", LAN(), sampled, Scenario{N: 1000, Event: User}},
		{"mass fail 500", LAN(), LANNetwork(), Scenario{N: 500, Event: MassFail, FailFraction: 0.1}},
		{"partition and heal 200", LAN(), LANNetwork(), Scenario{N: 200, Event: Partition, HealAfter: 30 * time.Second}},
	}
	var out strings.Builder
	for _, tt := range tests {
		for seed := uint64(1); seed <= 2; seed++ {
			r, err := Run(tt.cfg, tt.net, tt.sc, seed)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "%s seed %d: %s\n", tt.name, seed, digest(r))
		}
	}
	golden.Check(t, "results.golden", []byte(out.String()))
}

// digest summarises a result: per change its t50 and t100 (for a reader
// of a diff) and a hash of every observation, then the counters.
func digest(r Result) string {
	var b strings.Builder
	for _, c := range r.Changes {
		h := sha256.New()
		var buf [16]byte
		for _, o := range c.Observers {
			binary.LittleEndian.PutUint64(buf[:8], uint64(o.Node))
			binary.LittleEndian.PutUint64(buf[8:], uint64(o.Latency))
			h.Write(buf[:])
		}
		t50, _ := c.Quantile(0.5)
		t100, _ := c.Quantile(1)
		fmt.Fprintf(&b, "%s/%d t50 %v t100 %v %x; ", c.What, c.Subject, t50, t100, h.Sum(nil)[:8])
	}
	s := r.Stats
	fmt.Fprintf(&b, "packets %d bytes %d pushpulls %d events %d sim %v", s.Packets, s.Bytes, s.PushPulls, s.Events, s.SimTime)
	return b.String()
}
