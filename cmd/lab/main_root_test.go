//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/internal/labtest"
	"github.com/gossiplab/gossiplab/lab/core"
)

// The test binary is the lab command when LAB_TEST_MAIN is set, so the
// tests run the real main, and the netns provider re-executes it as its
// node holders and SSH forwarder.
func TestMain(m *testing.M) {
	// The test binary is lab, and labagent when installed under that name
	// (lab provisions itself), as the real binary is.
	if os.Getenv("LAB_TEST_MAIN") == "1" || core.IsAgent(os.Args[0], os.Getenv) {
		main()
		return
	}
	os.Exit(m.Run())
}

// labRun is a lab directory driven by this test binary as the lab
// command.
type labRun struct {
	*labtest.Lab
	t   *testing.T
	dir string
}

// newLabDir makes a lab directory whose lab gets a unique name and free
// SSH ports, and destroys the lab when the test ends.
func newLabDir(t *testing.T) (*labRun, []string) {
	t.Helper()
	// Below Linux's ephemeral ports (32768 up), apart from the netns
	// package's tests (22000..26000).
	l, flags := labtest.New(t, os.Args[0], []string{"LAB_TEST_MAIN=1"}, 27000)
	return &labRun{Lab: l, t: t, dir: l.Dir}, flags
}

func (r *labRun) cmd(args ...string) *exec.Cmd { return r.Cmd(args...) }

// run runs lab and returns its combined output and exit status.
func (r *labRun) run(args ...string) (string, int) { return r.Run(args...) }

func (r *labRun) must(args ...string) string {
	r.t.Helper()
	return r.Must(args...)
}

func (r *labRun) states() map[string]string {
	r.t.Helper()
	out, err := r.cmd("status", "--json").Output()
	if err != nil {
		r.t.Fatalf("lab status --json: %v", err)
	}
	var rows []struct{ Node, State string }
	if err := json.Unmarshal(out, &rows); err != nil {
		r.t.Fatalf("lab status --json: %v\n%s", err, out)
	}
	m := map[string]string{}
	for _, row := range rows {
		m[row.Node] = row.State
	}
	return m
}

func (r *labRun) wantStates(n int, except map[string]string) {
	r.t.Helper()
	got := r.states()
	if len(got) != n {
		r.t.Errorf("status lists %d nodes, want %d", len(got), n)
	}
	for node, st := range got {
		want := "running"
		if s, ok := except[node]; ok {
			want = s
		}
		if st != want {
			r.t.Errorf("%s is %s, want %s", node, st, want)
		}
	}
}

func TestRootCLILifecycle(t *testing.T) {
	r, flags := newLabDir(t)
	r.must(append([]string{"up", "--nodes", "10"}, flags...)...)
	r.wantStates(10, nil)

	if out := r.must("ssh", "web_7", "--", "hostname"); out != "web-7\n" {
		t.Errorf("lab ssh web_7 -- hostname: %q", out)
	}
	if out, code := r.run("ssh", "web_2", "--", "echo to-stderr >&2; exit 7"); code != 7 || !strings.Contains(out, "to-stderr") {
		t.Errorf("lab ssh exit status %d, output %q; want 7 and the remote stderr", code, out)
	}
	if out := r.must("ssh-config"); !strings.Contains(out, "Host web_10\n") || !strings.Contains(out, "HostKeyAlias web_10") {
		t.Errorf("ssh-config:\n%s", out)
	}
	if out, code := r.run("doctor"); code != 0 {
		t.Errorf("doctor on a healthy lab: exit %d\n%s", code, out)
	}

	r.must("halt", "web_3")
	r.wantStates(10, map[string]string{"web_3": "halted"})
	// ssh to a halted node: ssh's own words, then lab's, with the fix.
	if out, code := r.run("ssh", "web_3", "--", "hostname"); code != 255 || !strings.Contains(out, `node "web_3" is halted`) || !strings.Contains(out, "hint: lab up (or lab reload web_3) boots it") {
		t.Errorf("lab ssh to a halted node: exit %d\n%s", code, out)
	}
	r.must("reload", "web_3")
	r.wantStates(10, nil)
	if out, code := r.run("halt", "web_99"); code == 0 || !strings.Contains(out, "valid nodes are web_[1-10]") {
		t.Errorf("halt of an unknown node: exit %d\n%s", code, out)
	}

	r.must("destroy", "--force")
	// One line for a lab with no node running, not one per node.
	if out, code := r.run("members", "--matrix"); code == 0 || strings.Count(out, "\n") > 2 || !strings.Contains(out, "hint: lab up boots them") {
		t.Errorf("members --matrix of a destroyed lab: exit %d\n%s", code, out)
	}
	r.wantStates(10, map[string]string{
		"web_1": "not created", "web_2": "not created", "web_3": "not created", "web_4": "not created", "web_5": "not created",
		"web_6": "not created", "web_7": "not created", "web_8": "not created", "web_9": "not created", "web_10": "not created",
	})
	name := flags[3]
	if entries, _ := os.ReadDir("/run/netns"); len(entries) > 0 {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "gl-"+name+".") {
				t.Errorf("namespace left: %s", e.Name())
			}
		}
	}
	if ps, _ := exec.Command("ps", "-eo", "args").Output(); bytes.Contains(ps, []byte(name)) {
		t.Errorf("processes of the lab left:\n%s", ps)
	}
	if mi, _ := os.ReadFile("/proc/self/mountinfo"); bytes.Contains(mi, []byte(r.dir)) {
		t.Errorf("mounts left:\n%s", mi)
	}
	if _, err := os.Stat(filepath.Join(r.dir, ".lab", "nodes")); err == nil {
		t.Error("node directories left")
	}
}

// startUp starts lab up in the background and returns once n nodes have
// an SSH server reachable.
func (r *labRun) startUp(n int, args ...string) *exec.Cmd {
	r.t.Helper()
	c := r.cmd(append([]string{"up"}, args...)...)
	stderr, err := c.StderrPipe()
	if err != nil {
		r.t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		r.t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	reached := 0
	for reached < n && sc.Scan() {
		if strings.Contains(sc.Text(), "sshd reachable") {
			reached++
		}
	}
	if reached < n {
		_ = c.Wait()
		r.t.Fatalf("lab up ended after %d nodes", reached)
	}
	go func() { _, _ = bufio.NewReader(stderr).WriteTo(nopWriter{}) }()
	return c
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

func TestRootCLIUpKilledThenUpCompletes(t *testing.T) {
	r, flags := newLabDir(t)
	c := r.startUp(3, append([]string{"--nodes", "12", "--parallel", "1"}, flags...)...)
	_ = c.Process.Kill() // kill -9 midway
	_ = c.Wait()
	st := r.states()
	if st["web_12"] == "running" {
		t.Fatalf("lab up finished before it was killed: %v", st)
	}
	r.must("up")
	r.wantStates(12, nil)
	if out := r.must("ssh", "web_12", "--", "hostname"); out != "web-12\n" {
		t.Errorf("web_12 after the second lab up: %q", out)
	}
}

func TestRootCLIConcurrentUpRefuses(t *testing.T) {
	r, flags := newLabDir(t)
	c := r.startUp(1, append([]string{"--nodes", "30", "--parallel", "1"}, flags...)...)
	out, code := r.run("up")
	if err := c.Wait(); err != nil {
		t.Errorf("first lab up: %v", err)
	}
	if code == 0 || !strings.Contains(out, "lab is locked: pid") || !strings.Contains(out, "(lab up) is working on it") {
		t.Errorf("second lab up: exit %d, want a refusal naming the first:\n%s", code, out)
	}
	r.wantStates(30, nil)
}

func TestRootCLIUpInterruptedThenUpResumes(t *testing.T) {
	r, flags := newLabDir(t)
	c := r.startUp(2, append([]string{"--nodes", "12", "--parallel", "1"}, flags...)...)
	_ = c.Process.Signal(os.Interrupt) // Ctrl-C
	err := c.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("interrupted lab up: %v, want exit status 130 (128 + SIGINT)", err)
	}
	if st := r.states(); st["web_12"] == "running" {
		t.Fatalf("lab up finished before Ctrl-C: %v", st)
	}
	if out, code := r.run("doctor"); code != 0 {
		t.Errorf("doctor after Ctrl-C finds trouble (exit %d):\n%s", code, out)
	}
	r.must("up")
	r.wantStates(12, nil)
}

// Shrinking nodes in lab.hcl leaves the dropped nodes running, their
// agents still in the cluster: lab up says so instead of reporting a
// healthy lab of fewer nodes.
func TestRootCLIUpAfterShrinkWarnsOfDroppedNodes(t *testing.T) {
	r, flags := newLabDir(t)
	r.must(append([]string{"up", "--nodes", "3", "--no-provision"}, flags...)...)
	r.editLabFile("nodes  = 3", "nodes  = 2")
	out := r.must("up", "--no-provision")
	if !strings.Contains(out, "web_3 is not a node of this lab") || !strings.Contains(out, "hint: ") {
		t.Errorf("lab up after shrinking lab.hcl:\n%s", out)
	}
}

// A node keeps the address it was made with: after subnet changes in
// lab.hcl, lab up, reload and provision refuse at once, naming the move
// and the fix, instead of waiting 30 s per node for an sshd that cannot
// bind the new address.
func TestRootCLIMovedAddressesRefused(t *testing.T) {
	r, flags := newLabDir(t)
	r.must(append([]string{"up", "--nodes", "2", "--no-provision"}, flags...)...)
	r.editLabFile(`"192.168.56.0/21"`, `"192.168.60.0/24"`)
	// lab init refuses such a change itself (so the old addresses stay on
	// record); lab up and the others read lab.hcl without it.
	if out, code := r.run("init"); code == 0 || !strings.Contains(out, "re-address") {
		t.Errorf("lab init after moving the subnet: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"up", "--no-provision"}, {"reload", "--all"}, {"provision"}, {"up", "--no-provision"}} {
		out, code := r.run(args...)
		if code == 0 || !strings.Contains(out, "web_1 192.168.56.11 -> 192.168.60.11") || !strings.Contains(out, "hint: lab destroy") {
			t.Errorf("lab %s after moving the subnet: exit %d\n%s", strings.Join(args, " "), code, out)
		}
	}
	r.editLabFile(`"192.168.60.0/24"`, `"192.168.56.0/21"`)
	r.must("up", "--no-provision")
	r.wantStates(2, nil)
}

// editLabFile replaces old by new in the lab's lab.hcl, as a user's edit.
func (r *labRun) editLabFile(old, new string) {
	r.t.Helper()
	file := filepath.Join(r.dir, "lab.hcl")
	data, err := os.ReadFile(file)
	if err != nil {
		r.t.Fatal(err)
	}
	edited := strings.Replace(string(data), old, new, 1)
	if edited == string(data) {
		r.t.Fatalf("lab.hcl has no %q:\n%s", old, data)
	}
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		r.t.Fatal(err)
	}
}
