//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/bench"
	"github.com/gossiplab/gossiplab/internal/labtest"
)

// The test binary is the bench command when BENCH_TEST_MAIN is set, so
// the tests run the real main with its providers.
func TestMain(m *testing.M) {
	if os.Getenv("BENCH_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// TestRootLabBackend runs `bench converge --backend lab,sim --event
// fail --runs 2` on a provisioned 5-node netns lab: every run kills one
// agent, and each of the 4 survivors has a lab row with its latency; the
// lab is left converged for the next experiment, which runs leave, join
// and user once each.
func TestRootLabBackend(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for the netns provider")
	}
	l := provisionedLab(t, 5, "--agent-binary", labtest.BuildAgent(t, "../labagent"))

	samples, sum := converge(t, "--backend", "lab,sim", "--event", "fail", "--runs", "2", "--lab-dir", l.Dir)
	// Per run: the 4 survivors, each having learned the failure.
	observers := map[int][]string{}
	sim := 0
	for _, s := range samples {
		switch s.Backend {
		case bench.BackendSim:
			sim++
		case bench.BackendLab:
			if s.N != 5 || s.Event != bench.EventFail {
				t.Errorf("lab sample %+v: want N=5, fail", s)
			}
			if !s.Learned || s.Latency <= 0 {
				t.Errorf("run %d: %s did not learn the failure (%+v)", s.Run, s.Observer, s)
			}
			observers[s.Run] = append(observers[s.Run], s.Observer)
		}
	}
	if len(observers) != 2 || sim == 0 {
		t.Errorf("lab runs %v, %d sim samples; want 2 lab runs and sim rows", observers, sim)
	}
	for run, obs := range observers {
		slices.Sort(obs)
		if len(slices.Compact(obs)) != 4 {
			t.Errorf("run %d: observers %v, want the 4 survivors", run, obs)
		}
	}
	if lab := sum.Environment.Lab; lab == nil || lab.Nodes != 5 || !lab.SharedClock || lab.Provider != "netns" {
		t.Errorf("summary.json environment.lab = %+v, want the 5-node netns lab on a shared clock", lab)
	}
	// Every agent runs again: the next experiment starts from a converged lab.
	if out := l.Must("members"); strings.Count(out, "alive") != 5 {
		t.Errorf("lab members after the runs:\n%s", out)
	}

	// The other events, one run each: the 4 other nodes observe.
	samples, _ = converge(t, "--backend", "lab", "--event", "leave,join,user", "--runs", "1", "--lab-dir", l.Dir)
	learned := map[bench.Event]int{}
	for _, s := range samples {
		if s.Backend == bench.BackendLab && s.Learned {
			learned[s.Event]++
		}
	}
	if diff := cmp.Diff(map[bench.Event]int{bench.EventLeave: 4, bench.EventJoin: 4, bench.EventUser: 4}, learned); diff != "" {
		t.Errorf("observers that learned each event (-want +got):\n%s", diff)
	}

	// --loss: every node drops 10% of its gossip packets (nft) during the
	// runs, and no rule is left afterwards.
	samples, sum = converge(t, "--backend", "lab", "--event", "leave", "--runs", "1", "--loss", "0.1", "--lab-dir", l.Dir)
	if lab := sum.Environment.Lab; lab == nil || lab.Loss != 0.1 || lab.LossMechanism != "nft" {
		t.Errorf("summary.json environment.lab = %+v, want loss 0.1 by nft", lab)
	}
	n := 0
	for _, s := range samples {
		if s.Backend == bench.BackendLab && s.Learned {
			n++
		}
	}
	if n != 4 {
		t.Errorf("with 10%% loss %d observers learned the leave, want 4", n)
	}
	for _, node := range []string{"web_1", "web_5"} {
		if out := l.Must("ssh", node, "--", "nft", "list", "tables"); strings.Contains(out, "gossiplab_chaos") {
			t.Errorf("%s keeps chaos's table after the runs:\n%s", node, out)
		}
	}
}

// provisionedLab (root) builds lab, brings up a netns lab of n nodes and
// provisions it with `lab provision PROVISION...`; the lab is destroyed
// when the test ends.
func provisionedLab(t *testing.T, n int, provision ...string) *labtest.Lab {
	t.Helper()
	labBin := filepath.Join(t.TempDir(), "lab")
	if out, err := exec.Command("go", "build", "-o", labBin, "../lab").CombinedOutput(); err != nil {
		t.Fatalf("go build lab: %v\n%s", err, out)
	}
	l, flags := labtest.New(t, labBin, nil, 44000)
	l.Must(append([]string{"up", "--nodes", strconv.Itoa(n)}, flags...)...)
	l.Must(append([]string{"provision"}, provision...)...)
	return l
}

// converge runs bench converge ARGS into a fresh directory and returns
// its samples and summary.
func converge(t *testing.T, args ...string) ([]bench.Sample, bench.Summary) {
	t.Helper()
	out := t.TempDir()
	c := exec.Command(os.Args[0], append([]string{"converge", "--out", out, "--name", "lab"}, args...)...)
	c.Env = append(os.Environ(), "BENCH_TEST_MAIN=1")
	stdout, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("bench converge %s: %v\n%s", strings.Join(args, " "), err, stdout)
	}
	t.Logf("bench converge %s:\n%s", strings.Join(args, " "), stdout)
	dirs, _ := filepath.Glob(filepath.Join(out, "*-lab"))
	if len(dirs) != 1 {
		t.Fatalf("want one results directory, got %v", dirs)
	}
	d := bench.Dir{Path: dirs[0]}
	f, err := os.Open(d.Samples())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	samples, err := bench.DecodeSamples(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(d.Summary())
	if err != nil {
		t.Fatal(err)
	}
	sum, err := bench.DecodeSummary(b)
	if err != nil {
		t.Fatal(err)
	}
	return samples, sum
}

// TestRootLabBackendSerf runs the lab backend on a real HashiCorp Serf
// cluster (4 netns nodes, lab provision --agent serf): one run of each
// event, each learned by the 3 other nodes, read from their serf monitor
// streams.
func TestRootLabBackendSerf(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for the netns provider")
	}
	l := provisionedLab(t, 4, "--agent", "serf", "--agent-binary", labtest.BuildSerf(t))

	samples, sum := converge(t, "--backend", "lab", "--event", "fail,leave,join,user", "--runs", "1", "--lab-dir", l.Dir)
	learned := map[bench.Event]int{}
	for _, s := range samples {
		if s.Backend == bench.BackendLab && s.Learned {
			learned[s.Event]++
		}
	}
	if diff := cmp.Diff(map[bench.Event]int{bench.EventFail: 3, bench.EventLeave: 3, bench.EventJoin: 3, bench.EventUser: 3}, learned); diff != "" {
		t.Errorf("observers that learned each event (-want +got):\n%s", diff)
	}
	if lab := sum.Environment.Lab; lab == nil || lab.Agent != "serf" || lab.AgentProfile != "lan" {
		t.Errorf("summary.json environment.lab = %+v, want agent serf, profile lan", lab)
	}
	if out := l.Must("members"); strings.Count(out, "alive") != 4 {
		t.Errorf("lab members after the runs:\n%s", out)
	}
}
