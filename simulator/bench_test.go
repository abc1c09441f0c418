package simulator

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkJoin100k is one join disseminated to N = 100,000 (target: <= 2 s
// and <= 4 GB per op).
func BenchmarkJoin100k(b *testing.B) {
	benchRun(b, Scenario{N: 100_000, Event: Join})
}

// BenchmarkFail10k is a crash detected and disseminated at N = 10,000
// (target: <= 1 s per op).
func BenchmarkFail10k(b *testing.B) {
	benchRun(b, Scenario{N: 10_000, Event: Fail})
}

// BenchmarkSteady10k runs 100 simulated seconds of a quiet 10,000-node
// cluster (target: >= 100 simulated s per wall s, so <= 1 s per op).
func BenchmarkSteady10k(b *testing.B) {
	benchRun(b, Scenario{N: 10_000, Event: User, Warmup: 100 * time.Second})
}

// BenchmarkSteadyLoss10k is the same with 5% loss, where probes can no
// longer take the fast path.
func BenchmarkSteadyLoss10k(b *testing.B) {
	net := LANNetwork()
	net.Loss = 0.05
	benchRunNet(b, net, Scenario{N: 10_000, Event: User, Warmup: 100 * time.Second}, "")
}

func benchRun(b *testing.B, sc Scenario) { benchRunNet(b, LANNetwork(), sc, "") }

// benchRunNet runs the scenario with seeds 1, 2, ...; when want is set,
// the run with seed 1 must have that digest (events left out).
func benchRunNet(b *testing.B, net Network, sc Scenario, want string) {
	b.ReportAllocs()
	var sim time.Duration
	var events int64
	seed := uint64(0)
	for b.Loop() {
		seed++
		r, err := Run(LAN(), net, sc, seed)
		if err != nil {
			b.Fatal(err)
		}
		// Skipping inert packets changed the event count, nothing else.
		got := strings.Replace(digest(r), fmt.Sprintf(" events %d", r.Stats.Events), "", 1)
		if seed == 1 && want != "" && got != want {
			b.Fatalf("seed 1: results changed:\n got %s\nwant %s", got, want)
		}
		if cov := r.Converged().Coverage(); cov != 1 {
			b.Fatalf("coverage %v", cov)
		}
		sim += r.Stats.SimTime
		events += r.Stats.Events
	}
	b.ReportMetric(sim.Seconds()/float64(b.N), "sim-s/op")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}

// BenchmarkJoin1M is one join disseminated to N = 1,000,000 (target:
// <= 10 s and <= 8 GB peak RSS per op). Seed 1 must reproduce the result
// of the plain single-heap engine this one replaced, observer by observer
// (see TestResultsMatchGolden for smaller runs).
func BenchmarkJoin1M(b *testing.B) {
	benchRunNet(b, LANNetwork(), Scenario{N: 1_000_000, Event: Join},
		"alive/1000000 t50 920.635332ms t100 1.766707435s accbd30cc105ddd4; packets 20173487 bytes 1246346562 pushpulls 7909 sim 3.766707435s")
}

// BenchmarkFail1M is a crash detected and disseminated at N = 1,000,000
// (target: <= 60 s per op); seed 1 as for BenchmarkJoin1M.
func BenchmarkFail1M(b *testing.B) {
	benchRunNet(b, LANNetwork(), Scenario{N: 1_000_000, Event: Fail},
		"dead/761018 t50 25.696199865s t100 26.284070638s 4e5ecef2561e1605; packets 97811318 bytes 3803677127 pushpulls 58984 sim 28.284070638s")
}
