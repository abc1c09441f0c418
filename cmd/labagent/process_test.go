package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/agenttest"
	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/buildinfo"
)

// buildLabagent compiles this command into a temporary directory, with
// the extra go build flags given.
func buildLabagent(t testing.TB, flags ...string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go tool to build labagent")
	}
	bin := filepath.Join(t.TempDir(), "labagent")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	args := append(append([]string{"build"}, flags...), "-o", bin, ".")
	out, err := exec.CommandContext(t.Context(), goBin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestVersionLdflags: a release build stamps version, commit, date and
// modified with -ldflags -X; a checkout build without VCS stamps reports
// NEXT-dev. The lines before "go" are checked whole: provisioning reads
// the first.
func TestVersionLdflags(t *testing.T) {
	const pkg = "github.com/gossiplab/gossiplab/internal/buildinfo"
	protocol := fmt.Sprintf("protocol %d\n", agent.ProtocolVersion)
	for _, tc := range []struct {
		name  string
		flags []string
		want  string
	}{
		{name: "checkout", flags: []string{"-buildvcs=false"}, want: "labagent v" + buildinfo.Next + "-dev\n" + protocol},
		{
			name: "release",
			flags: []string{"-buildvcs=false", "-ldflags", "-X " + pkg + ".version=9.8.7 -X " + pkg + ".commit=0123abc" +
				" -X " + pkg + ".date=2026-12-03T12:00:00Z -X " + pkg + ".modified=true"},
			want: "labagent v9.8.7\n" + protocol + "commit 0123abc (modified)\ndate 2026-12-03T12:00:00Z\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := buildLabagent(t, tc.flags...)
			out, err := exec.CommandContext(t.Context(), bin, "version").CombinedOutput()
			if err != nil {
				t.Fatalf("labagent version: %v\n%s", err, out)
			}
			got, goLine, _ := strings.Cut(string(out), "go go")
			if got != tc.want || !strings.HasSuffix(goLine, " "+runtime.GOOS+"/"+runtime.GOARCH+"\n") {
				t.Errorf("labagent version printed %q, want %q and a go line", out, tc.want)
			}
		})
	}
}

// TestProcessCLI starts labagent processes on loopback addresses and
// drives them only through the CLI and signals: members -format json,
// leave (left), kill -9 (failed), SIGINT (left) and SIGTERM with
// -leave-on-terminate=false (failed).
func TestProcessCLI(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("binds 127.0.x.y addresses, which only Linux routes to loopback by default")
	}
	bin := buildLabagent(t)
	subnet := agenttest.SubnetFor(t.Name())
	ip := func(i int) string { return agenttest.Addr(subnet, i).String() }
	rpcAddr := func(i int) string { return ip(i) + ":7373" }
	logDir := t.TempDir()

	procs := make([]*exec.Cmd, 5)
	for i := range procs {
		args := []string{"agent", "-node", fmt.Sprintf("proc%d", i), "-bind", ip(i) + ":7946", "-rpc-addr", rpcAddr(i), "-profile", "local", "-log-level", "debug"}
		if i > 0 {
			args = append(args, "-retry-join", ip(0), "-retry-interval", "200ms")
		}
		if i == 4 {
			args = append(args, "-leave-on-terminate=false")
		}
		logf, err := os.Create(filepath.Join(logDir, fmt.Sprintf("proc%d.log", i)))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = logf, logf
		dieWithTest(cmd)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs[i] = cmd
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			_ = logf.Close()
			if t.Failed() {
				b, _ := os.ReadFile(logf.Name())
				t.Logf("log of proc%d:\n%s", i, b)
			}
		})
	}

	cli := func(args ...string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		var out, errb bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if err != nil {
			return out.Bytes(), fmt.Errorf("labagent %v: %w: %s", args, err, errb.String())
		}
		return out.Bytes(), nil
	}
	statuses := func(i int) (map[string]string, error) {
		out, err := cli("members", "-format", "json", "-rpc-addr", rpcAddr(i))
		if err != nil {
			return nil, err
		}
		var res rpc.MembersResult
		if err := json.Unmarshal(out, &res); err != nil {
			return nil, fmt.Errorf("members -format json: %w: %s", err, out)
		}
		st := map[string]string{}
		for _, m := range res.Members {
			st[m.Name] = m.Status
		}
		return st, nil
	}
	waitStatus := func(observers []int, node, status string) {
		t.Helper()
		agenttest.WaitFor(t, 90*time.Second, func() (bool, string) {
			for _, o := range observers {
				st, err := statuses(o)
				if err != nil {
					return false, err.Error()
				}
				if st[node] != status {
					return false, fmt.Sprintf("proc%d sees %s as %q", o, node, st[node])
				}
			}
			return true, ""
		})
	}

	for i := range procs {
		waitStatus([]int{0, 1, 2, 3, 4}, fmt.Sprintf("proc%d", i), "alive")
	}

	if _, err := cli("leave", "-rpc-addr", rpcAddr(2)); err != nil {
		t.Fatal(err)
	}
	waitStatus([]int{0, 1, 3}, "proc2", "left")
	exited := make(chan error, 1)
	go func() { exited <- procs[2].Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("proc2 exited with %v after leave, want status 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("proc2 still runs 20s after leave")
	}

	if err := procs[1].Process.Kill(); err != nil { // SIGKILL: a crash
		t.Fatal(err)
	}
	waitStatus([]int{0, 3}, "proc1", "failed")

	if err := procs[3].Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	waitStatus([]int{0, 4}, "proc3", "left")
	if err := procs[4].Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitStatus([]int{0}, "proc4", "failed")
}
