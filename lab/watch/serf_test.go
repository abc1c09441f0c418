//go:build linux

package watch

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/agenttest"
	"github.com/gossiplab/gossiplab/internal/labtest"
)

// TestFeedRealSerf watches four HashiCorp Serf agents (built from the Go
// module proxy, or $LAB_TEST_SERF) on 127.0.S.x, local profile: all
// alive, then one killed shows failed in every other row, read from the
// serf monitor streams.
func TestFeedRealSerf(t *testing.T) {
	bin := labtest.BuildSerf(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const n = 4
	nodes, addrs, procs := startSerf(t, bin, n)
	// The cluster first forms (a gossip lost on a busy machine can keep a
	// member unknown to another until the next push/pull, 15 s or more).
	agenttest.WaitFor(t, 40*time.Second, func() (bool, string) {
		for _, node := range nodes {
			out, err := exec.Command(bin, "members", "-status=alive", "-rpc-addr="+addrs[node]).Output()
			if got := strings.Count(string(out), "alive"); err != nil || got != n {
				return false, fmt.Sprintf("%s sees %d alive (%v)", node, got, err)
			}
		}
		return true, ""
	})
	serfCmd := func(sub string, args ...string) string {
		s := quote(bin) + " " + sub
		for _, a := range args {
			s += " " + quote(a)
		}
		return s
	}
	f, err := NewFeed(Config{
		Runner: &localRunner{addrs: addrs}, Agent: Serf(serfCmd),
		Observers: nodes, Nodes: nodes, Interval: 200 * time.Millisecond, SuspectHold: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.Matrix().KeepChanges()
	fctx, fcancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); f.Run(fctx) }()
	defer func() { fcancel(); <-done }()
	took := waitMatrix(t, f.Matrix(), 20*time.Second, allAliveCond(nodes))
	t.Logf("serf: full matrix of alive after %s", took)
	checkOne(t, ctx, f, nodes[1])

	if err := procs[1].Process.Kill(); err != nil {
		t.Fatal(err)
	}
	tu, err := agent.ProfileTuning("local") // memberlist's, as serf -profile=local uses
	if err != nil {
		t.Fatal(err)
	}
	bound := suspicionBound(tu, n) + 200*time.Millisecond + time.Second
	took = waitMatrix(t, f.Matrix(), bound, failedCond(nodes[1]))
	t.Logf("serf: %s failed in every other row %s after it was killed (bound %s)", nodes[1], took, bound)
	seen := map[string]bool{}
	for _, c := range f.Matrix().Drain() {
		if c.Member == nodes[1] && c.State == Failed && c.Cause == "member-failed" {
			seen[c.Observer] = true
		}
	}
	if len(seen) != n-1 {
		t.Errorf("the monitors told %v of the failure, want every other node", seen)
	}
}

// startSerf starts n Serf agents serf_0... on 127.0.S.x (local profile),
// joined to the first, each with its RPC server on its own address.
func startSerf(t *testing.T, bin string, n int) (nodes []string, addrs map[string]string, procs []*exec.Cmd) {
	subnet := agenttest.SubnetFor("watchui/" + t.Name())
	addrs = map[string]string{}
	for i := range n {
		name, ip := fmt.Sprintf("serf_%d", i), agenttest.Addr(subnet, i).String()
		args := []string{"agent", "-node=" + name, "-bind=" + ip + ":7946", "-rpc-addr=" + ip + ":7373", "-profile=local", "-log-level=info"}
		if i > 0 {
			args = append(args, "-retry-join="+agenttest.Addr(subnet, 0).String()+":7946", "-retry-interval=200ms")
		}
		cmd := exec.Command(bin, args...)
		logf, err := os.Create(filepath.Join(t.TempDir(), "serf.log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			_ = logf.Close()
			if t.Failed() {
				out, _ := os.ReadFile(logf.Name())
				t.Logf("%s's log:\n%s", name, out)
			}
		})
		procs = append(procs, cmd)
		nodes = append(nodes, name)
		addrs[name] = ip + ":7373"
	}
	return nodes, addrs, procs
}
