//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkRootScale is the scale benchmark of the netns provider: for
// each size it runs lab up (boot, provision, converged), lets the agents
// idle, measures their CPU time and every lab process's memory from
// /proc, crashes one node (chaos halt --force) and kills one agent
// (chaos kill-agent) with every survivor observing, and destroys the
// lab. It takes minutes per size and is not part of CI's run:
//
//	go test -run '^$' -bench RootScale -benchtime 1x -timeout 60m ./cmd/lab/
//	LAB_SCALE_NODES=52,100,250,500 go test -run '^$' -bench RootScale -benchtime 1x -timeout 90m ./cmd/lab/
//
// Settings (environment): LAB_SCALE_NODES (sizes, default 500),
// LAB_SCALE_WINDOW (CPU window, default 30s), LAB_SCALE_SETTLE (idle time
// before it, default 15s), LAB_SCALE_PORT_BASE (SSH ports from there,
// default 6000), LAB_SCALE_CHAOS=0 (no chaos), LAB_TEST_AGENT (a labagent
// binary instead of building one).
func BenchmarkRootScale(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root for the netns provider")
	}
	agent := testAgentBinary(b)
	for _, f := range strings.Split(envOr("LAB_SCALE_NODES", "500"), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 2 {
			b.Fatalf("LAB_SCALE_NODES: %q is not a size", f)
		}
		b.Run("nodes="+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				scaleRun(b, agent, n)
			}
		})
	}
}

// testAgentBinary is LAB_TEST_AGENT, or labagent built for the test.
func testAgentBinary(b *testing.B) string {
	if agent := os.Getenv("LAB_TEST_AGENT"); agent != "" {
		return agent
	}
	agent := b.TempDir() + "/labagent-linux-amd64"
	cmd := exec.Command("go", "build", "-o", agent, "../labagent")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build labagent: %v\n%s", err, out)
	}
	return agent
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	d, err := time.ParseDuration(envOr(name, def.String()))
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return d
}

var phaseRow = regexp.MustCompile(`(?m)^(boot|provision|verify)\s+(\S+)`)

// scaleRun is one lab of n nodes, up to destroyed.
func scaleRun(b *testing.B, agent string, n int) {
	dir := b.TempDir()
	name := "sc" + strconv.Itoa(n)
	lab := func(args ...string) (string, error) {
		c := exec.Command(os.Args[0], append([]string{"--dir", dir}, args...)...)
		c.Env = append(os.Environ(), "LAB_TEST_MAIN=1")
		out, err := c.CombinedOutput()
		return string(out), err
	}
	defer func() {
		t0 := time.Now()
		if out, err := lab("destroy", "--force"); err != nil {
			b.Errorf("lab destroy: %v\n%s", err, out)
		}
		b.ReportMetric(time.Since(t0).Seconds(), "destroy-s")
	}()
	b.ReportMetric(load1(), "load-before")
	t0 := time.Now()
	out, err := lab("up", "--provider", "netns", "--nodes", strconv.Itoa(n), "--name", name,
		"--ssh-port-base", envOr("LAB_SCALE_PORT_BASE", "6000"), "--agent-binary", agent,
		"--verify-timeout", "3m", "--timings")
	up := time.Since(t0)
	want := fmt.Sprintf("converged: all %d agents see all %d nodes alive", n, n)
	if err != nil || !strings.Contains(out, want) {
		b.Fatalf("lab up --nodes %d after %v: %v\n%s", n, up.Round(time.Second), err, tail(out, 40))
	}
	b.ReportMetric(up.Seconds(), "up-s")
	for _, m := range phaseRow.FindAllStringSubmatch(out, -1) {
		if d, err := time.ParseDuration(m[2]); err == nil {
			b.ReportMetric(d.Seconds(), m[1]+"-s")
		}
	}
	time.Sleep(envDuration(b, "LAB_SCALE_SETTLE", 15*time.Second))
	idleCost(b, name, n, envDuration(b, "LAB_SCALE_WINDOW", 30*time.Second))
	if os.Getenv("LAB_SCALE_CHAOS") != "0" {
		chaosAtScale(b, lab, "halt", fmt.Sprintf("web_%d", n/2), "--force")
		chaosAtScale(b, lab, "kill-agent", fmt.Sprintf("web_%d", n/2+1))
	}
	b.ReportMetric(load1(), "load-after")
}

// idleCost reports the CPU time the lab's processes take over window,
// per kind, and their memory (PSS) per node.
func idleCost(b *testing.B, name string, n int, window time.Duration) {
	ps := findLabProcs(name)
	if len(ps["agent"]) != n || len(ps["holder"]) != n {
		b.Fatalf("found %d agents and %d holders of lab %s, want %d", len(ps["agent"]), len(ps["holder"]), name, n)
	}
	before := map[string]map[int]int{}
	for _, k := range procKinds {
		before[k] = cpuTicks(ps[k])
	}
	t0 := time.Now()
	time.Sleep(window)
	secs := time.Since(t0).Seconds()
	totalKB := 0
	for _, k := range procKinds {
		after := cpuTicks(ps[k])
		ticks := 0
		for pid, t := range after {
			if t0, ok := before[k][pid]; ok {
				ticks += t - t0
			}
		}
		msPerS := float64(ticks) * 10 / secs // 100 ticks a second
		kb := pssKB(ps[k])
		totalKB += kb
		b.ReportMetric(msPerS, k+"s-cpu-ms/s")
		b.ReportMetric(float64(kb)/1024/float64(n), k+"-pss-MB/node")
		if k == "agent" {
			b.ReportMetric(msPerS/float64(n), "cpu-ms/s/agent")
		}
	}
	b.ReportMetric(float64(totalKB)/1024/float64(n), "pss-MB/node")
	b.ReportMetric(float64(totalKB)/1024, "pss-MB")
}

// chaosAtScale injects action on node and reports how many survivors saw
// it and when.
func chaosAtScale(b *testing.B, lab func(...string) (string, error), action, node string, flags ...string) {
	out, err := lab(append([]string{"chaos", action, node, "--json"}, flags...)...)
	i := strings.Index(out, "{")
	var s chaosSummary
	if i < 0 || json.NewDecoder(strings.NewReader(out[i:])).Decode(&s) != nil {
		b.Errorf("lab chaos %s %s: %v\n%s", action, node, err, tail(out, 20))
		return
	}
	b.ReportMetric(float64(s.Observers), action+"-observers")
	b.ReportMetric(float64(s.Saw), action+"-saw")
	if s.P50S != nil && s.LastS != nil {
		b.ReportMetric(*s.P50S, action+"-p50-s")
		b.ReportMetric(*s.LastS, action+"-last-s")
	}
	if s.Saw < s.Observers {
		b.Errorf("lab chaos %s %s: %d of %d observers saw it; never: %v", action, node, s.Saw, s.Observers, s.Never)
	}
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
