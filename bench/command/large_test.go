package command

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/bench"
)

// TestConvergeLargeSimRun is a simulated join at bench.LargeN nodes with
// the default runs: DefaultLargeRuns runs, kept in samples.csv as
// histograms, summarised over every observer, and rebuilt by `bench
// report` to the same figures.
func TestConvergeLargeSimRun(t *testing.T) {
	out := t.TempDir()
	n := bench.LargeN
	_, stderr, err := run(t, "converge", "--backend", "sim", "--event", "join", "--nodes", "100000", "--out", out, "--name", "large")
	if err != nil {
		t.Fatalf("converge: %v\n%s", err, stderr)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*-large"))
	if len(dirs) != 1 {
		t.Fatalf("want one results directory, got %v", dirs)
	}
	d := bench.Dir{Path: dirs[0]}
	csv, err := os.ReadFile(d.Samples())
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(csv), "\n"); lines > 20_000 {
		t.Errorf("samples.csv has %d lines for %d runs of %d observers and the lower bound: want histograms", lines, DefaultLargeRuns, n)
	}
	before := readSummary(t, d)
	var sim *bench.Group
	for i, g := range before.Groups {
		if g.Backend == bench.BackendSim {
			sim = &before.Groups[i]
		}
	}
	if sim == nil || sim.Runs != DefaultLargeRuns || sim.Observers != DefaultLargeRuns*n || sim.Coverage != 1 || sim.T100.Value == nil {
		t.Fatalf("sim group %+v: want %d runs of %d observers, all learned", sim, DefaultLargeRuns, n)
	}
	if sim.Resources == nil || sim.Resources.PeakMemory <= 0 || sim.Resources.Wall <= 0 {
		t.Errorf("sim group resources %+v: want wall time and peak RSS", sim.Resources)
	}
	if got, want := before.Environment.Flags["runs"], "8 (3 from 100000 nodes)"; got != want {
		t.Errorf("recorded runs %q, want %q", got, want)
	}
	if _, stderr, err := run(t, "report", d.Path); err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	after := readSummary(t, d)
	near := func(a, b *float64) bool { return math.Abs(*a-*b) <= 1e-6 } // samples.csv keeps microseconds
	for i := range before.Groups {
		b, a := before.Groups[i], after.Groups[i]
		if !near(b.T50.Value, a.T50.Value) || !near(b.T100.Value, a.T100.Value) || b.Observers != a.Observers {
			t.Errorf("%s: rebuilt t50 %v t100 %v observers %d, written %v %v %d", b.Key(), *a.T50.Value, *a.T100.Value, a.Observers, *b.T50.Value, *b.T100.Value, b.Observers)
		}
	}
}

func readSummary(t *testing.T, d bench.Dir) bench.Summary {
	t.Helper()
	b, err := os.ReadFile(d.Summary())
	if err != nil {
		t.Fatal(err)
	}
	s, err := bench.DecodeSummary(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
