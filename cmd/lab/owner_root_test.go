//go:build linux

package main

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/internal/labtest"
)

// A second directory that names the same lab must not reach the first
// one's nodes: every command there is refused, naming the owner.
func TestRootOtherDirectorysLabIsRefused(t *testing.T) {
	owner, flags := newLabDir(t)
	owner.must(append([]string{"up", "--nodes", "3", "--no-provision"}, flags...)...)

	// The same name (flags[3]) with other ports, in another directory.
	other := &labRun{Lab: &labtest.Lab{T: t, Dir: t.TempDir(), Bin: owner.Bin, Env: owner.Env}, t: t}
	other.dir = other.Dir
	otherFlags := []string{"--provider", "netns", "--name", flags[3], "--ssh-port-base", strconv.Itoa(labtest.FreePorts(t, 27000, 20))}
	if out, code := other.run(append([]string{"up", "--nodes", "3", "--no-provision"}, otherFlags...)...); code == 0 || !strings.Contains(out, owner.Dir) {
		t.Fatalf("lab up on a name another directory owns: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(other.Dir + "/lab.hcl"); err != nil {
		t.Fatalf("the refused up wrote no lab.hcl, the rest of the test needs one: %v", err)
	}
	for _, args := range [][]string{
		{"destroy", "--force"},
		{"status"},
		{"halt", "--all", "--force"},
		{"reload", "web_1"},
		{"doctor"},
	} {
		out, code := other.run(args...)
		if code == 0 || !strings.Contains(out, "already used on this host by the lab in "+owner.Dir) {
			t.Errorf("lab %s in another directory: exit %d, want a refusal naming %s\n%s", strings.Join(args, " "), code, owner.Dir, out)
		}
	}
	owner.wantStates(3, nil)
}
