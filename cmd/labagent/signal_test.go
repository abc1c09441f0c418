//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/agenttest"
)

// exitWait bounds how long a signalled labagent may take to end; past it
// the process counts as hung.
const exitWait = 10 * time.Second

// syncBuffer is an output sink safe for the process and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// silentAgent listens like an agent but never answers; accepted counts
// the connections it took, each read to its end and dropped.
func silentAgent(t *testing.T, ip string) (addr string, accepted func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	var mu sync.Mutex
	n := 0
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			n++
			mu.Unlock()
			go func() { _, _ = io.Copy(io.Discard, c); _ = c.Close() }()
		}
	}()
	return ln.Addr().String(), func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// TestSignals: labagent ends within a few seconds of SIGINT or SIGTERM,
// also when the agent it talks to does not answer and while it streams.
// A client exits with 128+signal and says it was interrupted; a running
// agent leaves gracefully and exits 0, one still starting (a -join that
// waits on a silent address) stops and exits like a client.
func TestSignals(t *testing.T) {
	bin := buildLabagent(t)
	subnet := agenttest.SubnetFor(t.Name())
	silent, accepted := silentAgent(t, agenttest.Addr(subnet, 1).String())
	real := agenttest.NewCluster(t, t.Context(), 1, agenttest.Options{Configure: func(i int, c *agent.Config) {
		c.RPCAddr = agenttest.Addr(subnet, 0).String() + ":0"
		c.RPCToken = "s3cret"
	}}).Agents[0]
	realAddr := real.Info().RPCAddr
	agentIP := agenttest.Addr(subnet, 2).String()

	// progress is what the process did so far: its output, and how many
	// connections the silent agent accepted since it started.
	type progress struct {
		stdout, stderr string
		accepted       int
	}
	type scenario struct {
		name  string
		args  []string
		ready func(p progress) bool // the process is where the signal should find it
		leave bool                  // an agent that leaves gracefully: exit status 0
	}
	scenarios := []scenario{
		{name: "members, silent agent", args: []string{"members", "-rpc-addr", silent},
			ready: func(p progress) bool { return p.accepted > 0 }},
		{name: "members with token, silent agent", args: []string{"members", "-rpc-addr", silent, "-rpc-token", "s3cret"},
			ready: func(p progress) bool { return p.accepted > 0 }},
		{name: "journal -follow, silent agent", args: []string{"journal", "-follow", "-rpc-addr", silent},
			ready: func(p progress) bool { return p.accepted > 0 }},
		{name: "monitor, silent agent", args: []string{"monitor", "-rpc-addr", silent},
			ready: func(p progress) bool { return p.accepted > 0 }},
		{name: "journal -follow, streaming", args: []string{"journal", "-follow", "-rpc-addr", realAddr, "-rpc-token", "s3cret"},
			ready: func(p progress) bool { return strings.Contains(p.stdout, "member-join") }},
		{name: "monitor, streaming", args: []string{"monitor", "-rpc-addr", realAddr, "-rpc-token", "s3cret"},
			ready: func(p progress) bool {
				_ = real.SetFault(agent.Fault{})
				return strings.Contains(p.stdout, "fault injection set")
			}},
		{name: "agent", args: []string{"agent", "-node", "sig", "-bind", agentIP, "-rpc-addr", agentIP + ":0", "-profile", "local"},
			ready: func(p progress) bool { return strings.Contains(p.stderr, "agent started") }, leave: true},
		{name: "agent joining a silent address", args: []string{"agent", "-node", "sig", "-bind", agentIP, "-rpc-addr", agentIP + ":0", "-join", silent, "-join", silent, "-join", silent},
			ready: func(p progress) bool { return p.accepted > 0 }},
	}
	for _, sc := range scenarios {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			t.Run(fmt.Sprintf("%s/%s", sc.name, sig), func(t *testing.T) {
				before := accepted()
				var stdout, stderr syncBuffer
				cmd := exec.Command(bin, sc.args...)
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				dieWithTest(cmd)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				exited := make(chan struct{})
				go func() { _ = cmd.Wait(); close(exited) }()
				t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
				agenttest.WaitFor(t, exitWait, func() (bool, string) {
					p := progress{stdout: stdout.String(), stderr: stderr.String(), accepted: accepted() - before}
					return sc.ready(p), "not ready; stderr: " + p.stderr
				})
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				select {
				case <-exited:
				case <-time.After(exitWait):
					t.Fatalf("still running %s after %s; stderr:\n%s", exitWait, sig, stderr.String())
				}
				want := 128 + int(sig)
				if sc.leave {
					want = 0
				}
				if got := cmd.ProcessState.ExitCode(); got != want {
					t.Errorf("exit status %d (%s), want %d; stderr:\n%s", got, cmd.ProcessState, want, stderr.String())
				}
				if !sc.leave && !strings.Contains(stderr.String(), "interrupted") {
					t.Errorf("stderr does not say the command was interrupted:\n%s", stderr.String())
				}
			})
		}
	}
}
