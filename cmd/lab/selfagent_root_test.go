//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/internal/labtest"
)

// One install gives a working lab: the lab binary, built as a user
// builds it, provisions itself as the agent (no labagent binary beside
// it, no --agent-binary), the agents converge and lab members lists every
// node alive. Provisioning again changes nothing.
func TestRootLabIsItsOwnAgent(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "lab")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/lab: %v\n%s", err, out)
	}
	l, flags := labtest.New(t, bin, nil, 27000)
	out := l.Must(append([]string{"up", "--nodes", "5"}, flags...)...)
	if !strings.Contains(out, "5 installed") || !strings.Contains(out, "converged: all 5 agents see all 5 nodes alive") {
		t.Fatalf("lab up with no agent binary:\n%s", out)
	}
	members := l.Must("members")
	if n := len(regexp.MustCompile(`(?m)^web_\d+\s+\S+\s+alive`).FindAllString(members, -1)); n != 5 {
		t.Errorf("lab members lists %d alive, want 5:\n%s", n, members)
	}
	if out := l.Must("ssh", "web_3", "--", "labagent version"); !strings.HasPrefix(out, "labagent v") {
		t.Errorf("the installed agent says %q", out)
	}
	if out := l.Must("provision"); !strings.Contains(out, "5 unchanged") {
		t.Errorf("a second provision changed something:\n%s", out)
	}
}
