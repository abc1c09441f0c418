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
	"github.com/gossiplab/gossiplab/internal/labtest"
)

// BenchmarkIdleCluster52 measures one idle agent process in a cluster of
// 52 agent processes on 127.0.x.y (LAN profile, as deployed): resident
// memory (VmRSS) and CPU time per second of wall time, after the cluster
// converged and settled. Sub-benchmarks: labagent, and HashiCorp Serf
// v0.10.2 (built by `go install`, or $LAB_TEST_SERF) in the same setting
// for comparison. Run it alone:
//
//	go test -run '^$' -bench IdleCluster52 -benchtime 1x ./cmd/labagent/
//
// Targets (labagent): RSS <= 15 MB and <= 1 ms CPU per second per agent.
// LABAGENT_FOOTPRINT_WINDOW overrides the 30 s measuring window.
func BenchmarkIdleCluster52(b *testing.B) {
	b.Run("labagent", func(b *testing.B) {
		bin := buildLabagent(b)
		idleCluster(b, func(name, ip, seed string) []string {
			args := []string{bin, "agent", "-node", name, "-bind", ip + ":7946", "-rpc-addr", ip + ":7373", "-log-level", "warn"}
			if seed != "" {
				args = append(args, "-retry-join", seed, "-retry-interval", "500ms")
			}
			return args
		}, func(ip string) (int, error) {
			c, err := rpc.Dial(context.Background(), ip+":7373", "")
			if err != nil {
				return 0, err
			}
			defer c.Close()
			var res rpc.MembersResult
			if err := c.Call(context.Background(), rpc.CmdMembers, nil, &res); err != nil {
				return 0, err
			}
			alive := 0
			for _, m := range res.Members {
				if m.Status == "alive" {
					alive++
				}
			}
			return alive, nil
		})
	})
	b.Run("serf", func(b *testing.B) {
		bin := labtest.BuildSerf(b)
		idleCluster(b, func(name, ip, seed string) []string {
			args := []string{bin, "agent", "-node=" + name, "-bind=" + ip + ":7946", "-rpc-addr=" + ip + ":7373", "-log-level=warn"}
			if seed != "" {
				args = append(args, "-retry-join="+seed, "-retry-interval=500ms")
			}
			return args
		}, func(ip string) (int, error) {
			out, err := exec.Command(bin, "members", "-rpc-addr="+ip+":7373", "-status=alive").Output()
			if err != nil {
				return 0, err
			}
			return len(strings.Fields(string(out))) / 3, nil // no tags: name, addr, status per line
		})
	})
}

// idleCluster starts 52 agents, argv(name, ip, seed to join or "") each,
// waits until alive(ip) counts 52 on the first and the last, lets the
// cluster settle, and reports CPU and RSS per agent over the window.
func idleCluster(b *testing.B, argv func(name, ip, seed string) []string, alive func(ip string) (int, error)) {
	const n = 52
	window := 30 * time.Second
	if w, err := time.ParseDuration(os.Getenv("LABAGENT_FOOTPRINT_WINDOW")); err == nil {
		window = w
	}
	subnet := agenttest.SubnetFor(b.Name())
	ip := func(i int) string { return agenttest.Addr(subnet, i).String() }
	var pids []int
	for i := range n {
		seed := ""
		if i > 0 {
			seed = ip(0)
		}
		args := argv(fmt.Sprintf("idle%02d", i), ip(i), seed)
		cmd := exec.Command(args[0], args[1:]...)
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
			got, err := alive(ip(i))
			if err != nil {
				return false, err.Error()
			}
			if got != n {
				return false, fmt.Sprintf("agent %d sees %d of %d alive", i, got, n)
			}
		}
		return true, ""
	})
	time.Sleep(10 * time.Second) // let the join burst settle (not an assertion)

	b.ResetTimer()
	cpu0 := make([]float64, n)
	sched0 := make([]float64, n)
	for i, p := range pids {
		cpu0[i], sched0[i] = cpuSeconds(b, p), schedSeconds(b, p)
	}
	start := time.Now()
	time.Sleep(window)
	elapsed := time.Since(start).Seconds()
	var cpuMsPerS, schedMsPerS, rssMB []float64
	for i, p := range pids {
		cpuMsPerS = append(cpuMsPerS, (cpuSeconds(b, p)-cpu0[i])/elapsed*1000)
		schedMsPerS = append(schedMsPerS, (schedSeconds(b, p)-sched0[i])/elapsed*1000)
		rssMB = append(rssMB, rssKB(b, p)/1024)
	}
	b.StopTimer()
	slices.Sort(cpuMsPerS)
	slices.Sort(schedMsPerS)
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
	b.ReportMetric(mean(schedMsPerS), "sched-ms/s-mean")
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

// schedSeconds is the time on CPU of every thread of a process, from
// /proc/PID/task/*/schedstat (nanoseconds, not sampled at clock ticks).
func schedSeconds(b *testing.B, pid int) float64 {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		b.Fatalf("no schedstat for pid %d: %v", pid, err)
	}
	total := 0.0
	for _, t := range tasks {
		raw, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that just exited
		}
		ns, _ := strconv.ParseFloat(strings.Fields(string(raw))[0], 64)
		total += ns / 1e9
	}
	return total
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
