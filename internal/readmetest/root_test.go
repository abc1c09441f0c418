package readmetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/labtest"
)

var (
	// labUp finds `lab up` in a command line, after sudo or not.
	labUp = regexp.MustCompile(`(^|[\s;&|(])((?:sudo\s+)?lab\s+up)(\s|$)`)
	// labInit finds `lab init`.
	labInit = regexp.MustCompile(`\blab\s+init\b`)
)

// uniqueLab inserts --name and --ssh-port-base after every `lab up` of
// script, so that the README's lab meets no other lab on the host. A
// script that sets either itself, writes a lab file with lab init, or
// puts lab's flags before its subcommand (where `lab up` would go
// unnoticed) cannot be given them: that is an error.
func uniqueLab(script, name string, port int) (string, error) {
	var out []string
	for _, line := range strings.Split(script, "\n") {
		code, _, _ := strings.Cut(line, "#")
		cmds, err := Commands(code)
		if err != nil {
			return "", fmt.Errorf("%q: %w", line, err)
		}
		for _, cmd := range cmds {
			if w := stripPrefix(cmd); len(w) > 1 && filepath.Base(w[0]) == "lab" && strings.HasPrefix(w[1], "-") {
				return "", fmt.Errorf("%q: put lab's flags after its subcommand in a block marked to run", line)
			}
		}
		if labInit.MatchString(code) {
			return "", fmt.Errorf("%q: a block that runs lab init cannot be run with a unique lab name", line)
		}
		if labUp.MatchString(code) {
			if strings.Contains(code, "--name") || strings.Contains(code, "--ssh-port-base") {
				return "", fmt.Errorf("%q: the test sets --name and --ssh-port-base itself", line)
			}
			line = labUp.ReplaceAllString(line, fmt.Sprintf("${1}${2} --name %s --ssh-port-base %d${3}", name, port))
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n"), nil
}

func TestUniqueLab(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"sudo lab up --provider netns --nodes 5      # web_1 .. web_5",
			"sudo lab up --name r1 --ssh-port-base 40000 --provider netns --nodes 5      # web_1 .. web_5", ""},
		{"cd d && lab up", "cd d && lab up --name r1 --ssh-port-base 40000", ""},
		{"lab status # lab up later", "lab status # lab up later", ""},
		{"lab update", "lab update", ""},
		{"lab up --name x", "", "sets --name"},
		{"lab init --nodes 3", "", "lab init"},
		{"sudo lab --dir d up", "", "after its subcommand"},
	}
	for _, tt := range tests {
		got, err := uniqueLab(tt.in, "r1", 40000)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("uniqueLab(%q) error = %v, want %q", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("uniqueLab(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestRootREADMERun runs the README's blocks marked to run, in order, as
// one script (see the package doc): the quick start's netns lab, a chaos
// step and a bench run on it, and its destruction.
func TestRootREADMERun(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the README's quick start runs a netns lab")
	}
	for _, tool := range []string{"ip", "/usr/sbin/sshd", "ssh", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (.ci/run installs it): %v", tool, err)
		}
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	name := "readme" + hex.EncodeToString(b[:])
	port := labtest.FreePorts(t, 40000, 20)
	script := "set -euo pipefail -x\n"
	for _, blk := range Blocks(string(md)) {
		if !blk.Run {
			continue
		}
		text, err := uniqueLab(blk.Text, name, port)
		if err != nil {
			t.Fatalf("README.md:%d: %v", blk.Line, err)
		}
		script += fmt.Sprintf(": README.md line %d\n%s", blk.Line, text)
	}
	if !strings.Contains(script, "lab up") {
		t.Fatalf("README.md has no block marked %s that runs lab up", RunMark)
	}

	tmp := t.TempDir()
	env := runEnv(t, tmp)
	t.Cleanup(func() { destroyLabs(t, tmp, env, name) })
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir, cmd.Env = root, env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's commands failed after %v: %v\n%s", time.Since(start).Round(time.Second), err, out)
	}
	t.Logf("the README's commands ran in %v", time.Since(start).Round(time.Second))
	if testing.Verbose() {
		t.Logf("%s", out)
	}
}

// runEnv is the script's environment: HOME, GOBIN and a sudo that runs
// its arguments under tmp; Go's caches kept; no directory on PATH that
// holds a lab, bench or labagent (the README must install its own).
func runEnv(t *testing.T, tmp string) []string {
	t.Helper()
	home, gobin, shim := filepath.Join(tmp, "home"), filepath.Join(tmp, "gobin"), filepath.Join(tmp, "shim")
	for _, d := range []string{home, gobin, shim} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(shim, "sudo"), []byte("#!/bin/sh\nexec \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	goenv, err := exec.Command("go", "env", "GOPATH", "GOCACHE", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	vals := strings.Split(strings.TrimSpace(string(goenv)), "\n")
	if len(vals) != 3 {
		t.Fatalf("go env printed %q", goenv)
	}
	path := []string{gobin, shim}
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if !holdsOurBinaries(d) {
			path = append(path, d)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "HOME", "PATH", "GOBIN", "GOPATH", "GOCACHE", "GOMODCACHE":
		default:
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home, "GOBIN="+gobin, "PATH="+strings.Join(path, string(os.PathListSeparator)),
		"GOPATH="+vals[0], "GOCACHE="+vals[1], "GOMODCACHE="+vals[2])
}

func holdsOurBinaries(dir string) bool {
	for _, n := range binsToMake {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil && !st.IsDir() {
			return true
		}
	}
	return false
}

// destroyLabs destroys every lab the script made under tmp, and checks
// that no namespace of the lab named name is left.
func destroyLabs(t *testing.T, tmp string, env []string, name string) {
	bin := filepath.Join(tmp, "gobin", "lab")
	if _, err := os.Stat(bin); err != nil {
		bin = checker(t).Bins["lab"]
	}
	_ = filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "lab.hcl" {
			return nil
		}
		cmd := exec.Command(bin, "destroy", "--force", "--dir", filepath.Dir(p))
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("cleanup: lab destroy --dir %s: %v\n%s", filepath.Dir(p), err, out)
		}
		return nil
	})
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Errorf("cleanup: ip netns list: %v", err)
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "gl-"+name+".") {
			t.Errorf("cleanup: namespace %s is left", strconv.Quote(strings.Fields(line)[0]))
		}
	}
}
