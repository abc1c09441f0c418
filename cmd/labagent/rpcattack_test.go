//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent/agenttest"
	"github.com/gossiplab/gossiplab/agent/rpc"
)

// BenchmarkRPCAttack starts one agent process with an RPC token and
// attacks its RPC port from this process: "no-newline" opens 300
// connections that each send 1 MiB without a newline and stay open;
// "idle" opens 2,000 connections that send nothing. It reports the
// agent's resident memory and open file descriptors before, at most
// during (sampled every 50 ms for 3 s after the attack is in place) and
// its peak RSS (VmHWM), and fails if the agent stops answering. Run it
// alone:
//
//	go test -run '^$' -bench RPCAttack -benchtime 1x ./cmd/labagent/
func BenchmarkRPCAttack(b *testing.B) {
	payload := bytes.Repeat([]byte("x"), 1<<20)
	for _, tc := range []struct {
		name  string
		conns int
		send  []byte
	}{
		{name: "no-newline-300x1MiB", conns: 300, send: payload},
		{name: "idle-2000", conns: 2000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			bin := buildLabagent(b)
			ip := agenttest.Addr(agenttest.SubnetFor(b.Name()), 0).String()
			addr := ip + ":7373"
			pid := startAttackedAgent(b, bin, ip, addr)
			rss0, fds0 := statusKB(b, pid, "VmRSS"), openFDs(pid)
			var rssMax, fdMax float64
			for range b.N {
				r, f := attack(b, pid, addr, tc.conns, tc.send)
				rssMax, fdMax = max(rssMax, r), max(fdMax, f)
			}
			if err := askInfo(addr); err != nil {
				b.Fatalf("agent does not answer after the attack: %v", err)
			}
			b.ReportMetric(rss0/1024, "rss-MB-before")
			b.ReportMetric(rssMax/1024, "rss-MB-max")
			b.ReportMetric(statusKB(b, pid, "VmHWM")/1024, "rss-MB-peak")
			b.ReportMetric(fds0, "fds-before")
			b.ReportMetric(fdMax, "fds-max")
		})
	}
}

func startAttackedAgent(b *testing.B, bin, ip, addr string) int {
	cmd := exec.Command(bin, "agent", "-node", "attacked", "-bind", ip, "-rpc-addr", addr, "-rpc-token", "s3cret", "-profile", "local", "-log-level", "warn")
	logf, err := os.Create(filepath.Join(b.TempDir(), "agent.log"))
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = logf.Close() })
	agenttest.WaitFor(b, 20*time.Second, func() (bool, string) {
		err := askInfo(addr)
		return err == nil, fmt.Sprint(err)
	})
	return cmd.Process.Pid
}

func askInfo(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := rpc.Dial(ctx, addr, "s3cret")
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Call(ctx, rpc.CmdInfo, nil, nil)
}

// attack opens n connections to addr, sends send on each (concurrently,
// without a newline), keeps them open while sampling pid's RSS (KiB) and
// open files for 3 s, and returns the largest of each.
func attack(b *testing.B, pid int, addr string, n int, send []byte) (rssKB, fds float64) {
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			rssKB, fds = max(rssKB, statusKB(b, pid, "VmRSS")), max(fds, openFDs(pid))
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Logf("dial: %v", err)
			continue
		}
		conns = append(conns, c)
	}
	if len(send) > 0 {
		var wg sync.WaitGroup
		for _, c := range conns {
			wg.Go(func() {
				_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
				_, _ = c.Write(send) // fails once the agent closes
			})
		}
		wg.Wait()
	}
	time.Sleep(3 * time.Second) // the sampling window, not an assertion
	close(stop)
	<-done
	return rssKB, fds
}

// statusKB is a "kB" field of /proc/PID/status (VmRSS, VmHWM).
func statusKB(b *testing.B, pid int, field string) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return kb
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// openFDs counts /proc/PID/fd.
func openFDs(pid int) float64 {
	es, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return float64(len(es))
}
