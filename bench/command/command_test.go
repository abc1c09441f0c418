package command

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/bench"
)

func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := NewRoot(Streams{In: strings.NewReader(""), Out: &out, Err: &errb}, bench.DefaultRegistry)
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

func TestConvergeBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown backend lists valid ones", []string{"--backend", "serf-formula,vagrant"}, "valid backends are"},
		{"unknown event", []string{"--event", "crash"}, `unknown event "crash"`},
		{"tiny cluster", []string{"--nodes", "1"}, "cluster size 1"},
		{"no runs", []string{"--runs", "0"}, "--runs 0"},
		{"bad profile", []string{"--profile", "moon"}, "hint: use lan, wan or local"},
		{"loss as percent", []string{"--loss", "5"}, "--loss 5 outside [0, 1)"},
		{"bad name", []string{"--name", "a/b"}, "bad run name"},
		{"not a number", []string{"--nodes", "ten"}, "invalid argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"converge", "--out", t.TempDir()}, tt.args...)
			_, _, err := run(t, args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestConvergeModelsAndReport runs the CI mode (simulator and Serf's
// formula at 10, 100 and 1000 nodes), then rebuilds the directory.
func TestConvergeModelsAndReport(t *testing.T) {
	out := t.TempDir()
	stdout, stderr, err := run(t, "converge", "--backend", "sim,serf-formula", "--nodes", "10,100,1000", "--out", out, "--name", "ci")
	if err != nil {
		t.Fatalf("converge: %v\n%s", err, stderr)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*-ci"))
	if len(dirs) != 1 {
		t.Fatalf("want one results directory, got %v", dirs)
	}
	if !strings.Contains(stdout, "sim           fail     1000") || !strings.Contains(stdout, "serf-formula  join      100") || !strings.Contains(stdout, "report: ") {
		t.Errorf("stdout lacks the table or the report path:\n%s", stdout)
	}
	for _, f := range []string{"samples.csv", "summary.json", "report.md", "report.html", "converge-vs-n-join.png", "curve-fail-n1000.svg"} {
		if fi, err := os.Stat(filepath.Join(dirs[0], f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	os.Remove(filepath.Join(dirs[0], "report.md"))
	os.Remove(filepath.Join(dirs[0], "report.html"))
	if _, stderr, err := run(t, "report", dirs[0]); err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	for _, f := range []string{"report.md", "report.html"} {
		if _, err := os.Stat(filepath.Join(dirs[0], f)); err != nil {
			t.Errorf("report did not rebuild %s: %v", f, err)
		}
	}
}

func TestConvergeJSON(t *testing.T) {
	stdout, _, err := run(t, "converge", "--backend", "serf-formula", "--event", "join", "--out", t.TempDir(), "--json")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := bench.DecodeSummary([]byte(stdout))
	if err != nil {
		t.Fatalf("stdout is not summary.json: %v\n%s", err, stdout)
	}
	if len(sum.Groups) != 2 || sum.Environment.Flags["nodes"] != "52" {
		t.Errorf("groups %d flags %v, want serf-formula and lower-bound at N=52", len(sum.Groups), sum.Environment.Flags)
	}
}

func TestReportNeedsSamples(t *testing.T) {
	_, _, err := run(t, "report", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "hint:") {
		t.Errorf("err = %v, want a hint", err)
	}
}

// TestConvergeMemberlistSmallRealRun is the one small real run of the
// issue: 10 in-process agents on 127.0.100.x, 3 joins. It produces every
// file, and `bench report` rebuilds them from samples.csv alone.
func TestConvergeMemberlistSmallRealRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 10 real agents on loopback for several seconds; skipped with -short")
	}
	out := t.TempDir()
	stdout, stderr, err := run(t, "converge", "--backend", "memberlist", "--event", "join", "--nodes", "10", "--runs", "3", "--out", out, "--name", "small")
	if err != nil {
		t.Fatalf("converge: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "memberlist    join       10     3") {
		t.Errorf("stdout lacks the memberlist row:\n%s", stdout)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*-small"))
	if len(dirs) != 1 {
		t.Fatalf("want one results directory, got %v", dirs)
	}
	d := bench.Dir{Path: dirs[0]}
	want := []string{"samples.csv", "summary.json", "report.md", "report.html"}
	for _, base := range []string{"curve-join-n10", "cdf-join-n10"} {
		want = append(want, base+".png", base+".svg")
	}
	check := func() {
		t.Helper()
		for _, f := range want {
			if fi, err := os.Stat(d.File(f)); err != nil || fi.Size() == 0 {
				t.Errorf("%s missing or empty: %v", f, err)
			}
		}
		// One N: no time-against-N plot.
		if _, err := os.Stat(d.File("converge-vs-n-join.png")); err == nil {
			t.Error("converge-vs-n-join.png for a single N")
		}
	}
	check()
	b, err := os.ReadFile(d.Summary())
	if err != nil {
		t.Fatal(err)
	}
	sum, err := bench.DecodeSummary(b)
	if err != nil {
		t.Fatal(err)
	}
	g := sum.Groups[0]
	// Coverage is what it is (a real cluster can miss a join); the test
	// is about the files, so it only asks that the runs measured something.
	if g.Backend != bench.BackendMemberlist || g.Runs != 3 || g.Observers != 30 || g.Coverage < 0.9 || g.Resources == nil {
		t.Errorf("memberlist group = %+v, want 3 runs of 10 observers, most of them informed, resources", g)
	}
	if sum.Incomplete {
		t.Error("summary marked incomplete")
	}
	for _, f := range want[1:] {
		os.Remove(d.File(f))
	}
	if _, stderr, err := run(t, "report", d.Path); err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	check()
}
