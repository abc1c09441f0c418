//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent/agenttest"
	"github.com/gossiplab/gossiplab/agent/rpc"
)

// TestDiscoverMDNSInNetnsAsRoot runs two agents with -discover inside a
// network namespace of its own (only a loopback interface, multicast
// routed to it), so mDNS traffic cannot leave the machine, and checks
// they find each other without any -join.
func TestDiscoverMDNSInNetnsAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace")
	}
	ipBin, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("needs iproute2 (ip)")
	}
	bin := buildLabagent(t)
	ns := fmt.Sprintf("labagent-mdns-%d", os.Getpid())
	sh := func(args ...string) {
		t.Helper()
		if out, err := exec.CommandContext(t.Context(), ipBin, args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	sh("netns", "add", ns)
	t.Cleanup(func() { _ = exec.Command(ipBin, "netns", "del", ns).Run() })
	sh("-n", ns, "link", "set", "lo", "up")
	sh("-n", ns, "link", "set", "lo", "multicast", "on")
	sh("-n", ns, "route", "add", "224.0.0.0/4", "dev", "lo")

	logDir := t.TempDir()
	for i := range 2 {
		ip := fmt.Sprintf("127.0.0.%d", i+1)
		logf, err := os.Create(filepath.Join(logDir, fmt.Sprintf("d%d.log", i)))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(ipBin, "netns", "exec", ns, bin, "agent", "-node", fmt.Sprintf("d%d", i),
			"-bind", ip+":7946", "-rpc-addr", ip+":7373", "-discover", "lab", "-profile", "local", "-log-level", "debug")
		cmd.Stdout, cmd.Stderr = logf, logf
		dieWithTest(cmd)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			_ = logf.Close()
			if t.Failed() {
				b, _ := os.ReadFile(logf.Name())
				t.Logf("log of d%d:\n%s", i, b)
			}
		})
	}
	agenttest.WaitFor(t, 40*time.Second, func() (bool, string) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, ipBin, "netns", "exec", ns, bin, "members", "-format", "json", "-rpc-addr", "127.0.0.1:7373")
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			return false, err.Error()
		}
		var res rpc.MembersResult
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			return false, err.Error()
		}
		alive := 0
		for _, m := range res.Members {
			if m.Status == "alive" {
				alive++
			}
		}
		return alive == 2, out.String()
	})
}
