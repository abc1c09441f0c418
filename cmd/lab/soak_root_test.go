//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/labtest"
)

// The soak's size: GOSSIPLAB_SOAK_STEPS chaos steps (default soakSteps,
// what CI runs: a few minutes) drawn with GOSSIPLAB_SOAK_SEED (default:
// drawn and logged) on soakNodes nodes.
const (
	soakNodes = 20
	soakSteps = 14
)

// TestRootSoak runs a generated scenario of random faults on a 20-node
// netns lab, one episode (a fault, the step that undoes it, wait
// converged) per `lab chaos run`, and after each checks that the cluster
// converged again (lab members --matrix) and that nothing leaked: the
// lab's namespaces, its processes (no stray journal follower), nftables
// tables in the nodes, the file descriptors of the agents and of the lab's
// helper processes, the agents' RSS. At the end lab destroy must leave
// nothing of the lab behind. `GOSSIPLAB_SOAK_STEPS=200 go test -run
// TestRootSoak -v -timeout 3h ./cmd/lab` is the full soak of docs/chaos.md.
func TestRootSoak(t *testing.T) {
	steps, seed := soakParams(t)
	agent := buildLabagent(t)
	r, flags := newLabDir(t)
	// Its own name prefix and ports, apart from the other root tests'.
	flags[3] = "soak" + flags[3][1:]
	flags[5] = strconv.Itoa(labtest.FreePorts(t, 4100, soakNodes))
	name := flags[3]
	r.must(append([]string{"up", "--no-provision", "--nodes", strconv.Itoa(soakNodes)}, flags...)...)
	// Provisioning is not what the soak is about: on a host loaded by other
	// work an SSH handshake can time out, and provisioning again finishes it.
	for try := 1; ; try++ {
		out, code := r.run("provision", "--agent-binary", agent, "--parallel", "4")
		if code == 0 {
			break
		}
		if try == 3 {
			t.Fatalf("lab provision: exit %d, %d times:\n%s", code, try, out)
		}
		t.Logf("lab provision: exit %d, provisioning again:\n%s", code, out)
	}
	r.must("chaos", "run", writeScenario(t, r.dir, "converge.chaos", "wait converged\n"), "--no-record")

	scenario := filepath.Join(r.dir, "soak.chaos")
	r.must("chaos", "generate", "--steps", strconv.Itoa(steps), "--seed", strconv.FormatUint(seed, 10), "-o", scenario)
	text, err := os.ReadFile(scenario)
	if err != nil {
		t.Fatal(err)
	}
	episodes := splitEpisodes(string(text))
	probe := &leakProbe{lab: name, dir: r.dir}
	base := probe.settled(t, nil)
	t.Logf("soak: %d steps in %d episodes, seed %d, %d nodes; start: %s", steps, len(episodes), seed, soakNodes, base)

	var st soakStats
	start := time.Now()
	for i, ep := range episodes {
		if d, ok := t.Deadline(); ok && time.Until(d) < 5*time.Minute {
			t.Logf("soak: stopped before episode %d of %d: the test's -timeout is near", i+1, len(episodes))
			break
		}
		file := writeScenario(t, r.dir, "episode.chaos", ep.text)
		t0 := time.Now()
		out, code := r.runJSON("chaos", "run", file, "--json", "--no-record")
		st.add(t, i+1, ep, out, code, time.Since(t0))
		if out, code := r.run("members", "--matrix"); code != 0 {
			st.fail(t, "episode %d (%s): lab members --matrix: exit %d\n%s", i+1, ep.kind, code, out)
		}
		snap := probe.settled(t, &base)
		if p := snap.problems(base); len(p) > 0 {
			st.fail(t, "episode %d (%s): %s", i+1, ep.kind, strings.Join(p, "; "))
		}
		st.last = snap
		t.Logf("episode %d (%s): %.1fs, load %.1f; %s", i+1, ep.kind, time.Since(t0).Seconds(), loadAvg(), snap)
	}
	t.Logf("soak: %s", st.report(time.Since(start), base))

	r.must("destroy", "--force")
	wantNothingLeft(t, name, r.dir)
}

// runJSON runs lab and returns its standard output (its log lines on
// standard error follow it when it fails) and exit status.
func (r *labRun) runJSON(args ...string) (string, int) {
	var stderr strings.Builder
	c := r.cmd(args...)
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		return string(out) + stderr.String(), c.ProcessState.ExitCode()
	}
	return string(out), 0
}

// soakParams reads the soak's size and seed from the environment.
func soakParams(t *testing.T) (int, uint64) {
	steps, seed := soakSteps, uint64(time.Now().UnixNano())
	if s := os.Getenv("GOSSIPLAB_SOAK_STEPS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("GOSSIPLAB_SOAK_STEPS=%q: want a positive number", s)
		}
		steps = n
	}
	if s := os.Getenv("GOSSIPLAB_SOAK_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("GOSSIPLAB_SOAK_SEED=%q: %v", s, err)
		}
		seed = n
	}
	return steps, seed
}

func writeScenario(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// soakEpisode is one episode of a generated scenario: its fault's kind
// (from its comment) and its lines, ending with wait converged.
type soakEpisode struct {
	kind string
	text string
}

var episodeHead = regexp.MustCompile(`^# \d+: (.+)$`)

// splitEpisodes cuts a generated scenario after each `wait converged`.
func splitEpisodes(text string) []soakEpisode {
	var eps []soakEpisode
	cur := soakEpisode{}
	for line := range strings.Lines(text) {
		if m := episodeHead.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			cur.kind = m[1]
		}
		cur.text += line
		if strings.TrimSpace(line) == "wait converged" {
			eps = append(eps, cur)
			cur = soakEpisode{}
		}
	}
	return eps
}

// runJSON is the part of `lab chaos run --json` the soak reads.
type runJSON struct {
	Steps []struct {
		Command string   `json:"command"`
		WaitedS *float64 `json:"waited_s"`
		Summary *struct {
			Observers   int      `json:"observers"`
			Saw         int      `json:"saw"`
			LastS       *float64 `json:"last_s"`
			Never       []string `json:"never"`
			Unreachable []string `json:"unreachable"`
			Note        string   `json:"note"`
		} `json:"summary"`
		Error string `json:"error"`
	} `json:"steps"`
	Error string `json:"error"`
}

// soakStats gathers the soak's figures.
type soakStats struct {
	kinds    map[string]int
	steps    int
	recovery []float64 // the undoing step's last observer, s
	waits    []float64 // wait converged after it, s
	episode  []float64 // a whole episode's lab chaos run, s
	loads    []float64
	failures int
	last     soakSnapshot
}

// add checks one episode's run and keeps its figures.
func (s *soakStats) add(t *testing.T, n int, ep soakEpisode, out string, code int, took time.Duration) {
	t.Helper()
	if s.kinds == nil {
		s.kinds = map[string]int{}
	}
	s.kinds[ep.kind]++
	s.episode = append(s.episode, took.Seconds())
	s.loads = append(s.loads, loadAvg())
	var run runJSON
	if err := json.Unmarshal([]byte(out), &run); err != nil || code != 0 || run.Error != "" {
		s.fail(t, "episode %d (%s): lab chaos run: exit %d, %v %s\n%s\n%s", n, ep.kind, code, err, run.Error, ep.text, out)
	}
	var measured []float64
	for _, st := range run.Steps {
		if st.WaitedS != nil {
			s.waits = append(s.waits, *st.WaitedS)
			continue
		}
		s.steps++
		if sum := st.Summary; sum != nil {
			if len(sum.Never) > 0 || len(sum.Unreachable) > 0 || sum.Saw+len(sum.Unreachable) != sum.Observers {
				s.fail(t, "episode %d: %s: %d of %d observers saw it, never: %v, unreachable: %v", n, st.Command, sum.Saw, sum.Observers, sum.Never, sum.Unreachable)
			}
			if sum.LastS != nil {
				measured = append(measured, *sum.LastS)
			}
		}
	}
	if len(measured) > 0 {
		s.recovery = append(s.recovery, measured[len(measured)-1])
	}
}

// fail reports a failure; the soak goes on, to see whether the cluster
// recovers, but stops after a few.
func (s *soakStats) fail(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Errorf(format, args...)
	if s.failures++; s.failures >= 5 {
		t.Fatalf("soak: %d failures, stopping", s.failures)
	}
}

// report words the soak's figures.
func (s *soakStats) report(wall time.Duration, base soakSnapshot) string {
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(s.kinds)) {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, s.kinds[k]))
	}
	return fmt.Sprintf("%d steps, %d episodes in %s (%s); by fault: %s; "+
		"undoing step seen by the last observer: %s; wait converged after it: %s; episode: %s; "+
		"load average (1 min): %s; failures: %d; end: %s",
		s.steps, len(s.episode), wall.Round(time.Second), base.describeVs(s.last), strings.Join(kinds, ", "),
		quantiles(s.recovery), quantiles(s.waits), quantiles(s.episode), quantiles(s.loads), s.failures, s.last)
}

// quantiles words xs as p50, p95 and max.
func quantiles(xs []float64) string {
	if len(xs) == 0 {
		return "none"
	}
	s := slices.Sorted(slices.Values(xs))
	q := func(p float64) float64 { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return fmt.Sprintf("p50 %.2f, p95 %.2f, max %.2f (n=%d)", q(0.5), q(0.95), s[len(s)-1], len(s))
}

func loadAvg() float64 {
	b, _ := os.ReadFile("/proc/loadavg")
	f, _ := strconv.ParseFloat(strings.Fields(string(b) + " 0")[0], 64)
	return f
}
