package bench

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"
)

// BenchmarkHarnessOverhead measures the CPU the harness adds to a bare
// 52-agent in-process cluster (LAN profile). After boot and warm-up it
// alternates two windows of equal length: "bare", where the cluster idles
// and the harness does nothing, and "harness", where the harness does what
// it does while a run waits: it reads every observer's journal each poll
// interval (for an event that never comes, so it reads for the whole
// window) and reports progress. Process CPU time (user+system) is taken
// per window; overhead-% = (harness - bare) / bare. Windows last
// BENCH_OVERHEAD_WINDOW (default 5s); run with -benchtime=Nx for N pairs.
//
//	go test ./bench -run '^$' -bench HarnessOverhead -benchtime 3x
func BenchmarkHarnessOverhead(b *testing.B) {
	window := 5 * time.Second
	if v := os.Getenv("BENCH_OVERHEAD_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatal(err)
		}
		window = d
	}
	p, err := NewProfile("lan")
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := NewMemberlist(log, 102)
	spec := Spec{Event: EventUser, N: 52, Runs: 1, Seed: 1, Profile: p, Timeout: window}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := m.newCluster(ctx, spec)
	defer c.shutdown()
	if err := c.boot(ctx); err != nil {
		b.Fatal(err)
	}
	if err := c.converged(ctx); err != nil {
		b.Fatal(err)
	}
	// Let the join traffic of the boot die down before measuring.
	if err := sleep(ctx, 5*time.Second); err != nil {
		b.Fatal(err)
	}
	cursors := make([]uint64, len(c.nodes))
	for i, n := range c.nodes {
		cursors[i] = n.Cursor()
	}
	prog := &progressDiscard{}
	var bare, harness time.Duration
	b.ResetTimer()
	for i := range b.N {
		cpu0 := cpuTime()
		if err := sleep(ctx, window); err != nil {
			b.Fatal(err)
		}
		cpu1 := cpuTime()
		if _, err := c.await(ctx, c.nodes, cursors, EventUser, "never", time.Now(), window); err != nil {
			b.Fatal(err)
		}
		prog.RunDone(Key{BackendMemberlist, EventUser, 52}, i, b.N)
		cpu2 := cpuTime()
		bare += cpu1 - cpu0
		harness += cpu2 - cpu1
	}
	b.StopTimer()
	secs := float64(b.N) * window.Seconds()
	b.ReportMetric(float64(bare.Milliseconds())/secs, "bare-cpu-ms/s")
	b.ReportMetric(float64(harness.Milliseconds())/secs, "harness-cpu-ms/s")
	b.ReportMetric(100*float64(harness-bare)/float64(bare), "overhead-%")
}

type progressDiscard struct{ n int }

func (p *progressDiscard) RunDone(Key, int, int) { p.n++ }
