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
// 52-agent in-process cluster (LAN profile). After boot, warm-up and 20 s
// of settling it takes windows of equal length in the order bare,
// harness, harness, bare (so that a drift of the cluster's own CPU
// cancels): in "bare" the cluster idles and the harness does nothing; in
// "harness" the harness does what it does while a run waits: it waits on
// every observer's journal (for an event that never comes, so for the
// whole window) and reports progress. Process CPU time (user+system) is
// taken per window; overhead-% = (harness - bare) / bare. The idle
// cluster's CPU is noisy (push/pull every minute per node, the machine's
// other load), so it also reports the direct cost of one read of the 52
// journals (poll-pass-us), which is what each journal append costs the
// harness.
// Windows last BENCH_OVERHEAD_WINDOW (default 5s); -benchtime=Nx repeats
// the four windows N times.
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
	c := m.newCluster(spec)
	defer c.shutdown()
	if err := c.boot(ctx); err != nil {
		b.Fatal(err)
	}
	if err := c.converged(ctx); err != nil {
		b.Fatal(err)
	}
	// Let the join traffic of the boot die down before measuring.
	if err := sleep(ctx, 20*time.Second); err != nil {
		b.Fatal(err)
	}
	cursors := make([]uint64, len(c.nodes))
	for i, n := range c.nodes {
		cursors[i] = n.Cursor()
	}
	prog := &progressDiscard{}
	var bare, harness time.Duration
	b.ResetTimer()
	idle := func() time.Duration {
		cpu0 := cpuTime()
		if err := sleep(ctx, window); err != nil {
			b.Fatal(err)
		}
		return cpuTime() - cpu0
	}
	wait := func(i int) time.Duration {
		cpu0 := cpuTime()
		if _, err := c.await(ctx, c.nodes, cursors, EventUser, "never", time.Now(), window); err != nil {
			b.Fatal(err)
		}
		prog.RunDone(Key{BackendMemberlist, EventUser, 52}, i, b.N)
		return cpuTime() - cpu0
	}
	for i := range b.N {
		bare += idle()
		harness += wait(i) + wait(i)
		bare += idle()
	}
	b.StopTimer()
	secs := 2 * float64(b.N) * window.Seconds()
	bareRate := float64(bare) / 1e6 / secs
	b.ReportMetric(bareRate, "bare-cpu-ms/s")
	b.ReportMetric(float64(harness)/1e6/secs, "harness-cpu-ms/s")
	b.ReportMetric(100*float64(harness-bare)/float64(bare), "overhead-%")

	// The direct cost of one poll pass, over many passes.
	const passes = 2000
	cpu0 := cpuTime()
	for range passes {
		for i, n := range c.nodes {
			n.Learned(cursors[i], EventUser, "never")
		}
	}
	pass := float64(cpuTime()-cpu0) / passes
	b.ReportMetric(pass/1e3, "poll-pass-us")
}

type progressDiscard struct{ n int }

func (p *progressDiscard) RunDone(Key, int, int) { p.n++ }
