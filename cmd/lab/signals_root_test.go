//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// signalled sends sig to a running lab command and checks that it ends
// within a few seconds with 128+sig, returning what it printed.
func signalled(t *testing.T, c *exec.Cmd, out *bytes.Buffer, sig syscall.Signal) string {
	t.Helper()
	sent := time.Now()
	if err := c.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(15 * time.Second):
		_ = c.Process.Kill()
		t.Fatalf("lab %v still runs 15 s after %v:\n%s", c.Args[1:], sig, out.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 128+int(sig) {
		t.Errorf("lab %v after %v: %v, want exit status %d\n%s", c.Args[1:], sig, err, 128+int(sig), out.String())
	}
	t.Logf("lab %v ended %v after %v", c.Args[3:], time.Since(sent).Round(time.Millisecond), sig)
	return out.String()
}

// start runs lab args in the background, its output collected.
func (r *labRun) start(args ...string) (*exec.Cmd, *bytes.Buffer) {
	r.t.Helper()
	c := r.cmd(args...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		r.t.Fatal(err)
	}
	return c, &out
}

// waitFor polls cond for up to 60 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 60 s", what)
		}
	}
}

// Ctrl-C and SIGTERM end every long-running command within seconds,
// wherever it waits, with what it set up cleaned or resumable, and a
// status that says which signal it was.
func TestRootSignalsEndEveryCommand(t *testing.T) {
	agent := buildLabagent(t)
	r, flags := newLabDir(t)

	// lab up while it boots nodes: SIGTERM; the next lab up finishes.
	c := r.startUp(2, append([]string{"--nodes", "16", "--parallel", "1", "--no-provision"}, flags...)...)
	var upOut bytes.Buffer
	signalled(t, c, &upOut, syscall.SIGTERM)
	r.must("up", "--no-provision")
	r.must("provision", "--agent-binary", agent)

	// lab provision while it waits for a node's SSH server that does not
	// answer (sshd killed in web_2): Ctrl-C, long before --timeout.
	r.run("ssh", "web_2", "--", "pkill -x sshd") // the session ends with its server
	c, out := r.start("provision", "web_2", "--agent-binary", agent, "--force", "--timeout", "5m")
	time.Sleep(2 * time.Second)
	if got := signalled(t, c, out, syscall.SIGINT); !strings.Contains(got, "interrupted") {
		t.Errorf("interrupted lab provision does not say so:\n%s", got)
	}
	r.must("reload", "web_2")

	// lab chaos while it waits for the observers: SIGTERM; the partition
	// is healed and the summary says when it was interrupted.
	c, out = r.start("chaos", "partition", "web_[1-8]", "web_[9-16]", "--timeout", "10m")
	waitFor(t, "the partition", func() bool { return len(r.chaosTables("web_1", "web_16")) == 2 })
	got := signalled(t, c, out, syscall.SIGTERM)
	if !strings.Contains(got, "interrupted") || !strings.Contains(got, "after the injection") || strings.Contains(got, "within 10m") {
		t.Errorf("interrupted lab chaos does not say after how long:\n%s", got)
	}
	if left := r.chaosTables("web_1", "web_8", "web_9", "web_16"); len(left) > 0 {
		t.Errorf("SIGTERM during a partition left the chaos table on %v", left)
	}

	// lab chaos run while it waits for a cluster that cannot converge (a
	// node the scenario isolated): Ctrl-C, which heals it.
	scenario := r.dir + "/wait.chaos"
	if err := os.WriteFile(scenario, []byte("isolate web_3\nwait converged --timeout 10m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, out = r.start("chaos", "run", scenario)
	waitFor(t, "the scenario's first step", func() bool { return strings.Contains(out.String(), "isolate web_3") })
	time.Sleep(time.Second)
	signalled(t, c, out, syscall.SIGINT)
	if left := r.chaosTables("web_3"); len(left) > 0 {
		t.Errorf("Ctrl-C during a scenario left web_3 isolated")
	}
}
