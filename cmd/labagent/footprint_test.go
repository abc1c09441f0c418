//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent/agenttest"
	"github.com/gossiplab/gossiplab/agent/rpc"
)

// BenchmarkIdleCluster52 measures one idle agent process in a cluster of
// 52 labagent processes on 127.0.x.y (LAN profile, as deployed): resident
// memory (VmRSS) and CPU time per second of wall time, after the cluster
// converged and settled. Run it alone:
//
//	go test -run '^$' -bench IdleCluster52 -benchtime 1x ./cmd/labagent/
//
// Targets: RSS <= 15 MB and <= 1 ms CPU per second per agent.
// LABAGENT_FOOTPRINT_WINDOW overrides the 30 s measuring window.
func BenchmarkIdleCluster52(b *testing.B) {
	const n = 52
	window := 30 * time.Second
	if w, err := time.ParseDuration(os.Getenv("LABAGENT_FOOTPRINT_WINDOW")); err == nil {
		window = w
	}
	bin := buildLabagent(b)
	subnet := agenttest.SubnetFor(b.Name())
	ip := func(i int) string { return agenttest.Addr(subnet, i).String() }
	var pids []int
	for i := range n {
		args := []string{"agent", "-node", fmt.Sprintf("idle%02d", i), "-bind", ip(i) + ":7946", "-rpc-addr", ip(i) + ":7373", "-log-level", "warn"}
		if i > 0 {
			args = append(args, "-retry-join", ip(0), "-retry-interval", "500ms")
		}
		cmd := exec.Command(bin, args...)
		logf, err := os.Create(filepath.Join(b.TempDir(), "log"))
		if err != nil {
			b.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		dieWithTest(cmd)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		pids = append(pids, cmd.Process.Pid)
		b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = logf.Close() })
	}
	agenttest.WaitFor(b, 120*time.Second, func() (bool, string) {
		for _, i := range []int{0, n - 1} {
			c, err := rpc.Dial(context.Background(), ip(i)+":7373", "")
			if err != nil {
				return false, err.Error()
			}
			var res rpc.MembersResult
			err = c.Call(context.Background(), rpc.CmdMembers, nil, &res)
			_ = c.Close()
			if err != nil {
				return false, err.Error()
			}
			alive := 0
			for _, m := range res.Members {
				if m.Status == "alive" {
					alive++
				}
			}
			if alive != n {
				return false, fmt.Sprintf("agent %d sees %d of %d alive", i, alive, n)
			}
		}
		return true, ""
	})
	time.Sleep(10 * time.Second) // let the join burst settle (not an assertion)

	b.ResetTimer()
	cpu0 := make([]float64, n)
	for i, p := range pids {
		cpu0[i] = cpuSeconds(b, p)
	}
	start := time.Now()
	time.Sleep(window)
	elapsed := time.Since(start).Seconds()
	var cpuMsPerS, rssMB []float64
	for i, p := range pids {
		cpuMsPerS = append(cpuMsPerS, (cpuSeconds(b, p)-cpu0[i])/elapsed*1000)
		rssMB = append(rssMB, rssKB(b, p)/1024)
	}
	b.StopTimer()
	slices.Sort(cpuMsPerS)
	slices.Sort(rssMB)
	mean := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	b.ReportMetric(mean(cpuMsPerS), "cpu-ms/s-mean")
	b.ReportMetric(cpuMsPerS[len(cpuMsPerS)-1], "cpu-ms/s-max")
	b.ReportMetric(rssMB[len(rssMB)/2], "rss-MB-median")
	b.ReportMetric(rssMB[len(rssMB)-1], "rss-MB-max")
	b.Logf("%d agents, %.0f s window: CPU per agent mean %.3f ms/s (max %.3f); RSS median %.1f MB (max %.1f)",
		n, elapsed, mean(cpuMsPerS), cpuMsPerS[len(cpuMsPerS)-1], rssMB[len(rssMB)/2], rssMB[len(rssMB)-1])
}

// cpuSeconds is utime+stime of a process from /proc/PID/stat.
func cpuSeconds(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// fields after the ")" closing the command name; utime and stime are
	// fields 14 and 15 of the whole line.
	rest := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseFloat(rest[11], 64)
	st, _ := strconv.ParseFloat(rest[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

// rssKB is VmRSS from /proc/PID/status.
func rssKB(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return kb
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
