//go:build linux

package main

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkRootProvision52 is issue 5's figure: provisioning 52 netns
// nodes end to end (upload, install, start, verified converged), then a
// second provision that finds every node unchanged. It reports both wall
// times and the mean per-node SSH overhead (connect + handshake) from the
// tables. A full mesh of 52 nodes needs about 2,700 ARP entries: the
// host's net.ipv4.neigh.default.gc_thresh3 (1024 by default, shared by
// every namespace) must be above that, or agents cannot reach each other.
func BenchmarkRootProvision52(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root for the netns provider")
	}
	if data, err := os.ReadFile("/proc/sys/net/ipv4/neigh/default/gc_thresh3"); err == nil {
		if n, _ := strconv.Atoi(strings.TrimSpace(string(data))); n < 4096 {
			b.Skipf("gc_thresh3 is %d: 52 nodes overflow the ARP table\nhint: sysctl -w net.ipv4.neigh.default.gc_thresh2=8192 net.ipv4.neigh.default.gc_thresh3=16384", n)
		}
	}
	agent := os.Getenv("LAB_TEST_AGENT")
	if agent == "" {
		agent = b.TempDir() + "/labagent-linux-amd64"
		cmd := exec.Command("go", "build", "-o", agent, "../labagent")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go build labagent: %v\n%s", err, out)
		}
	}
	dir := b.TempDir()
	lab := func(args ...string) string {
		c := exec.Command(os.Args[0], append([]string{"--dir", dir}, args...)...)
		c.Env = append(os.Environ(), "LAB_TEST_MAIN=1")
		out, err := c.CombinedOutput()
		if err != nil {
			b.Fatalf("lab %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	defer lab("destroy", "--force")
	lab("up", "--nodes", "52", "--provider", "netns", "--name", "bp52", "--ssh-port-base", "29100", "--no-provision")
	var first, second, overhead time.Duration
	var rows int
	sshCol := regexp.MustCompile(`(?m)^web_\d+\s+\w+\s+\S+\s+\S+\s+(\S+)`)
	for b.Loop() {
		lab("destroy", "--force")
		lab("up", "--no-provision")
		t0 := time.Now()
		out := lab("provision", "--agent-binary", agent)
		first += time.Since(t0)
		if !strings.Contains(out, "converged: all 52 agents see all 52 nodes alive") {
			b.Fatalf("not converged:\n%s", out)
		}
		t0 = time.Now()
		out2 := lab("provision", "--agent-binary", agent)
		second += time.Since(t0)
		if !strings.Contains(out2, "52 nodes: 52 unchanged") {
			b.Fatalf("second run:\n%s", out2)
		}
		for _, m := range sshCol.FindAllStringSubmatch(out+out2, -1) {
			if d, err := time.ParseDuration(m[1]); err == nil {
				overhead += d
				rows++
			}
		}
	}
	n := float64(b.N)
	b.ReportMetric(first.Seconds()/n, "s-provision-52")
	b.ReportMetric(second.Seconds()/n, "s-unchanged-52")
	if rows > 0 {
		b.ReportMetric(float64(overhead.Milliseconds())/float64(rows), "ms-ssh-overhead/node")
	}
}
