package bench

import (
	"bytes"
	"image/png"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/golden"
	"github.com/gossiplab/gossiplab/plots"
)

func syntheticResults() Results {
	ms := time.Millisecond
	var s []Sample
	for _, n := range []int{11, 101} {
		obs := n - 1
		step := 300 * ms / time.Duration(obs)
		s = append(s, synthetic(BackendMemberlist, EventJoin, n, 5, obs, 0, step, 20*ms)...)
		s = append(s, synthetic(BackendSim, EventJoin, n, 5, obs, 0, step*11/10, 10*ms)...)
		s = append(s, synthetic(BackendSerfFormula, EventJoin, n, 1, obs, 0, 2*step, 0)...)
		s = append(s, synthetic(BackendLowerBound, EventJoin, n, 1, obs, 0, step/2, 0)...)
		s = append(s, synthetic(BackendMemberlist, EventFail, n, 5, obs, 1, 3*step, 50*ms)...)
		s = append(s, synthetic(BackendSim, EventFail, n, 5, obs, 0, 3*step, 10*ms)...)
	}
	return Results{
		Name:        "synthetic",
		Environment: Environment{GoVersion: "go1.26.8", Commit: "abc", Seed: 7, Args: []string{"bench", "converge"}},
		Samples:     s,
		Resources:   map[Key]Resources{{BackendMemberlist, EventJoin, 11}: {Wall: Seconds(time.Second), CPU: Seconds(time.Second / 2), PeakMemory: 30 << 20}},
	}
}

// derivedFiles lists the files of d but samples.csv, with their content.
func derivedFiles(t *testing.T, d Dir) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(d.Path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		if e.Name() == SamplesFile {
			continue
		}
		b, err := os.ReadFile(d.File(e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func TestWriteProducesEveryFile(t *testing.T) {
	d := Dir{Path: t.TempDir()}
	if err := Write(d, syntheticResults()); err != nil {
		t.Fatal(err)
	}
	files := derivedFiles(t, d)
	want := []string{SummaryFile, ReportFile}
	for _, base := range []string{"curve-join-n11", "curve-join-n101", "cdf-join-n11", "cdf-fail-n101",
		"converge-vs-n-join", "converge-vs-n-fail", "error-join", "error-fail"} {
		want = append(want, base+".png", base+".svg")
	}
	for _, name := range want {
		b, ok := files[name]
		if !ok || len(b) == 0 {
			t.Errorf("%s missing or empty", name)
			continue
		}
		switch filepath.Ext(name) {
		case ".png":
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("%s does not decode: %v", name, err)
			}
		case ".svg":
			if !bytes.Contains(b, []byte("<svg")) {
				t.Errorf("%s is not SVG", name)
			}
		}
	}
	if _, err := os.Stat(d.Samples()); err != nil {
		t.Error(err)
	}
}

// TestReportStructure checks the report's headings, table headers and
// figure links against a golden file (the numbers are tested elsewhere).
func TestReportStructure(t *testing.T) {
	d := Dir{Path: t.TempDir()}
	if err := Write(d, syntheticResults()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(d.Report())
	if err != nil {
		t.Fatal(err)
	}
	var skeleton []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "#") || strings.HasPrefix(l, "| backend") || strings.HasPrefix(l, "| event") || strings.HasPrefix(l, "![") || strings.HasPrefix(l, "Not computed") {
			skeleton = append(skeleton, l)
		}
	}
	golden.Check(t, "report-skeleton.txt", []byte(strings.Join(skeleton, "\n")+"\n"))
	for _, row := range []string{
		"| memberlist | 11 | 5 | 0.070 [0.030, 0.110] | 0.190 [0.150, 0.230] | 0.340 [0.300, 0.380] |",
		"| serf-formula | 11 | 1 | 0.060 | 0.300 | 0.600 |",
		"| join | 11 | t50 | 0.185 | 0.190 (memberlist) | -0.005 | -3% | 0.20 | yes |",
		// first learner: printed for every event, judged (1 s) for a crash only
		"| join | 11 | t0 | 0.053 | 0.070 (memberlist) | -0.017 | -24% | - | - |",
		"| fail | 11 | t0 | 0.110 | 0.190 (memberlist) | -0.080 | -42% | 1.00 | yes |",
		// side by side: both models on one line, misses marked
		"| 11 | join | t95 | 0.340 | 0.350 | +0.010 (+3%) | 0.600 | +0.260 (+76%) | 0.20 | yes | **no** |",
		"| 11 | fail | t0 (first-dead) | 0.190 | 0.110 | -0.080 (-42%) | - | - | 1.00 | yes | - |",
		"| 101 | fail | t100 (all-dead) | not reached | 0.920 | - | - | - | - | - | - |",
	} {
		if !strings.Contains(string(b), row) {
			t.Errorf("report lacks %q", row)
		}
	}
}

func TestRebuildFromSamplesAlone(t *testing.T) {
	r := syntheticResults()
	d := Dir{Path: t.TempDir()}
	if err := Write(d, r); err != nil {
		t.Fatal(err)
	}
	want := derivedFiles(t, d)
	t.Run("with summary.json", func(t *testing.T) {
		if err := Rebuild(d); err != nil {
			t.Fatal(err)
		}
		got := derivedFiles(t, d)
		if diff := cmp.Diff(string(want[SummaryFile]), string(got[SummaryFile])); diff != "" {
			t.Errorf("summary.json changed (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(string(want[ReportFile]), string(got[ReportFile])); diff != "" {
			t.Errorf("report.md changed (-want +got):\n%s", diff)
		}
	})
	t.Run("samples.csv alone", func(t *testing.T) {
		for name := range want {
			os.Remove(d.File(name))
		}
		if err := Rebuild(d); err != nil {
			t.Fatal(err)
		}
		got := derivedFiles(t, d)
		if diff := cmp.Diff(slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(got))); diff != "" {
			t.Errorf("files (-want +got):\n%s", diff)
		}
		sum, err := DecodeSummary(got[SummaryFile])
		if err != nil {
			t.Fatal(err)
		}
		old, _ := DecodeSummary(want[SummaryFile])
		for i := range old.Groups {
			old.Groups[i].Resources = nil
		}
		if diff := cmp.Diff(old.Groups, sum.Groups); diff != "" {
			t.Errorf("groups differ (-want +got):\n%s", diff)
		}
		report := string(got[ReportFile])
		if strings.Contains(report, "Made by `-`") || !strings.Contains(report, "rebuilt from samples.csv alone") {
			t.Errorf("report.md does not say its environment is unknown:\n%.400s", report)
		}
	})
	t.Run("no samples", func(t *testing.T) {
		err := Rebuild(Dir{Path: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), "hint:") {
			t.Errorf("Rebuild of an empty directory: %v, want an error with a hint", err)
		}
	})
}

func TestSamplesRoundTrip(t *testing.T) {
	in := syntheticResults().Samples
	out, err := DecodeSamples(bytes.NewReader(EncodeSamples(in)))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
}

func TestDecodeSamplesErrors(t *testing.T) {
	head := "backend,n,run,observer,event,latency_s,timeout_s,count\n"
	tests := []struct{ name, in, want string }{
		{"wrong header", "a,b\n", "unexpected header"},
		{"bad n", head + "sim,x,0,a,join,0.1,1,\n", "bad n"},
		{"bad event", head + "sim,3,0,a,crash,0.1,1,\n", "unknown event"},
		{"negative latency", head + "sim,3,0,a,join,-1,1,\n", "bad latency_s"},
		{"zero count", head + "sim,3,0,,join,0.1,1,0\n", "bad count"},
		{"short line", head + "sim,3,0,a,join,0.1,1\n", "wrong number of fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeSamples(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestCreateDirNeverOverwrites(t *testing.T) {
	root := t.TempDir()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	a, err := CreateDir(root, "x", now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := CreateDir(root, "x", now)
	if err != nil {
		t.Fatal(err)
	}
	if a.Path == b.Path {
		t.Fatalf("two runs share %s", a.Path)
	}
	if got, want := filepath.Base(a.Path), "20261127T120000Z-x"; got != want {
		t.Errorf("dir = %s, want %s", got, want)
	}
	if _, err := CreateDir(root, "../evil", now); err == nil {
		t.Error("CreateDir accepted a name with a slash")
	}
}

// The error plot's zero line ("a perfect prediction") must be on the
// axis even when every model error has the same sign.
func TestErrorPlotShowsZero(t *testing.T) {
	tests := []struct {
		name string
		errs []float64
	}{
		{name: "all below zero", errs: []float64{-8.5, -8.1, -7.8, -0.1}},
		{name: "all above zero", errs: []float64{0.3, 0.5, 0.7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rows []ErrorRow
			for i, e := range tc.errs {
				rows = append(rows, ErrorRow{Model: "sim", Measured: "memberlist", Event: EventFail, N: 52, Percentile: Percentiles[i], Error: &e})
			}
			p, err := errorPlot(EventFail, rows, style{backends: []string{"memberlist", "sim"}})
			if err != nil {
				t.Fatal(err)
			}
			if p.Y.Min > 0 || p.Y.Max < 0 {
				t.Errorf("y axis %g..%g leaves out 0", p.Y.Min, p.Y.Max)
			}
			if p.Y.Max <= 0 && p.Y.Min >= 0 {
				t.Errorf("empty y axis")
			}
		})
	}
}

// A run in which no backend reached t100 (every run timed out before the
// last observer learned) still draws its time-to-converge plot: an empty
// log axis panicked in gonum/plot.
func TestConvergePlotWithoutT100(t *testing.T) {
	tests := []struct {
		name string
		ns   []int
	}{
		{name: "one size", ns: []int{10}},
		{name: "a sweep", ns: []int{10, 100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var sums []Group
			for _, n := range tc.ns {
				sums = append(sums, Group{Backend: BackendSim, Event: EventFail, N: n, Runs: 1})
			}
			p, err := convergePlot(EventFail, sums, style{backends: []string{BackendSim}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := plots.Draw(plots.Figure{Plot: p}); err != nil {
				t.Fatalf("drawing: %v", err)
			}
		})
	}
}
