//go:build linux

package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/internal/labtest"
)

// TestRootChaosSerf measures a real HashiCorp Serf cluster (4 netns
// nodes): a crash is seen failed, a graceful stop left, a partition
// failed on both sides and heal alive again, every time read from the
// observers' `serf monitor` streams, which end with each step.
func TestRootChaosSerf(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for the netns provider")
	}
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("needs nft (nftables) for partitions")
	}
	serf := labtest.BuildSerf(t)
	r, flags := newLabDir(t)
	r.must(append([]string{"up", "--nodes", "4"}, flags...)...)
	r.must("provision", "--agent", "serf", "--agent-binary", serf)
	all := []string{"web_1", "web_2", "web_3", "web_4"}

	r.wantSaw(r.chaos("kill-agent", "web_2"), 3, nil, "member-failed")
	if out := r.must("members", "--node", "web_1"); !regexp.MustCompile(`(?m)^web_2\s+\S+\s+failed`).MatchString(out) {
		t.Errorf("lab members after kill-agent web_2:\n%s", out)
	}
	r.wantSaw(r.chaos("stop-agent", "web_4"), 2, []string{"web_2"}, "member-leave") // web_2's agent is down
	r.wantSaw(r.chaos("start-agent", "web_2,web_4"), 2, nil, "member-join")

	r.wantSaw(r.chaos("partition", "web_[1-2]", "web_[3-4]", "--keep"), 4, nil, "member-failed")
	r.wantSaw(r.chaos("heal"), 4, nil, "member-join")
	if got := r.chaosTables(all...); len(got) > 0 {
		t.Errorf("heal left the chaos table on %v", got)
	}

	// Serf has no fault hook: delay is refused, naming nftables' faults.
	if out, code := r.run("chaos", "delay", "50ms", "--all"); code == 0 || !strings.Contains(out, "Serf lacks") {
		t.Errorf("delay on a Serf lab: exit %d\n%s", code, out)
	}
	for _, n := range all {
		if out := r.must("ssh", n, "--", "ps -e -o args="); strings.Contains(out, "serf monitor") {
			t.Errorf("%s still runs serf monitor after the steps:\n%s", n, out)
		}
	}
}
