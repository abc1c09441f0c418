//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/labtest"
)

// chaosSummary is the part of `lab chaos --json` the tests read.
type chaosSummary struct {
	Action      string   `json:"action"`
	Targets     []string `json:"targets"`
	Observers   int      `json:"observers"`
	Saw         int      `json:"saw"`
	P50S        *float64 `json:"p50_s"`
	LastS       *float64 `json:"last_s"`
	Never       []string `json:"never"`
	Unreachable []string `json:"unreachable"`
	Note        string   `json:"note"`
	Dir         string   `json:"record"`
	Wait        *struct {
		BaseS     float64 `json:"base_s"`
		Extended  bool    `json:"extended"`
		Predicted *struct {
			Scenario string  `json:"scenario"`
			LastS    float64 `json:"last_s"`
		} `json:"predicted"`
	} `json:"wait"`
	Observations []struct {
		Node    string `json:"node"`
		Outcome string `json:"outcome"`
	} `json:"observations"`
}

// chaos runs lab chaos ARGS --json and decodes its summary.
func (r *labRun) chaos(args ...string) chaosSummary {
	r.t.Helper()
	var stderr bytes.Buffer
	c := r.cmd(append(append([]string{"chaos"}, args...), "--json")...)
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		r.t.Fatalf("lab chaos %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var s chaosSummary
	if err := json.Unmarshal(out, &s); err != nil {
		r.t.Fatalf("lab chaos %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
	return s
}

// wantSaw checks that saw observers saw the step, each with one of
// outcomes, and that the others are the unreachable ones named (their
// agent is down).
func (r *labRun) wantSaw(s chaosSummary, saw int, unreachable []string, outcomes ...string) {
	r.t.Helper()
	if s.Saw != saw || s.Observers != saw+len(unreachable) || len(s.Never) > 0 || strings.Join(s.Unreachable, ",") != strings.Join(unreachable, ",") {
		r.t.Errorf("%s %v: %d of %d observers saw it (want %d), never: %v, unreachable: %v (want %v)",
			s.Action, s.Targets, s.Saw, s.Observers, saw, s.Never, s.Unreachable, unreachable)
	}
	for _, o := range s.Observations {
		ok := o.Outcome == "unreachable"
		for _, want := range outcomes {
			ok = ok || o.Outcome == want
		}
		if !ok {
			r.t.Errorf("%s %v: %s recorded %s, want %v", s.Action, s.Targets, o.Node, o.Outcome, outcomes)
		}
	}
	if s.P50S != nil {
		r.t.Logf("lab chaos %s %v: %d observers, p50 %.3fs, last %.3fs", s.Action, s.Targets, s.Saw, *s.P50S, *s.LastS)
	}
}

// chaosTables lists the nodes that hold lab chaos's nftables table.
func (r *labRun) chaosTables(nodes ...string) []string {
	r.t.Helper()
	var with []string
	for _, n := range nodes {
		if out := r.must("ssh", n, "--", "nft list tables"); strings.Contains(out, "gossiplab_chaos") {
			with = append(with, n)
		}
	}
	return with
}

// buildLabagent builds the agent for this machine, as lab provision wants
// it, on a host with nft (partitions need it).
func buildLabagent(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("needs nft (nftables) for partitions")
	}
	return labtest.BuildAgent(t, "../labagent")
}

var allTen = []string{"web_1", "web_2", "web_3", "web_4", "web_5", "web_6", "web_7", "web_8", "web_9", "web_10"}

// TestRootChaos is issue 6's acceptance on a 10-node netns lab: every
// action's outcome as the survivors' journals record it, heal leaving no
// rule behind, and Ctrl-C during a partition healing it.
func TestRootChaos(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for the netns provider")
	}
	agent := buildLabagent(t)
	help := exec.Command(os.Args[0], "provision", "--help")
	help.Env = append(os.Environ(), "LAB_TEST_MAIN=1")
	if out, err := help.CombinedOutput(); err != nil {
		t.Skipf("needs lab provision: %s", out)
	}
	r, flags := newLabDir(t)
	r.must(append([]string{"up", "--nodes", "10"}, flags...)...)
	r.must("provision", "--agent-binary", agent)

	// Issue 6: a graceful halt is seen failed (the agent, as Serf's, does not
	// leave on SIGTERM), at a time within the LAN suspicion bounds.
	r.wantSaw(r.chaos("halt", "web_3"), 9, nil, "member-failed")
	if out := r.must("members"); !regexp.MustCompile(`(?m)^web_3\s+\S+\s+failed`).MatchString(out) {
		t.Errorf("lab members after halt web_3:\n%s", out)
	}
	r.wantSaw(r.chaos("reload", "web_3"), 9, nil, "member-join")

	r.wantSaw(r.chaos("partition", "web_[1-5]", "web_[6-10]", "--keep"), 10, nil, "member-failed")
	if got := r.chaosTables(allTen...); len(got) != 10 {
		t.Errorf("partition --keep: chaos table on %v, want every node", got)
	}
	r.wantSaw(r.chaos("heal"), 10, nil, "member-join")
	if got := r.chaosTables(allTen...); len(got) > 0 {
		t.Errorf("heal left the chaos table on %v", got)
	}

	r.wantSaw(r.chaos("kill-agent", "web_2"), 9, nil, "member-failed")
	// A graceful stop is a leave for every observer: the agent waits until
	// they have acknowledged its leave intent before memberlist's own
	// leave message goes out.
	r.wantSaw(r.chaos("stop-agent", "web_4"), 8, []string{"web_2"}, "member-leave") // web_2's agent is down
	r.wantSaw(r.chaos("start-agent", "web_2,web_4"), 8, nil, "member-join")

	r.wantSaw(r.chaos("restart-agent", "web_5"), 9, nil, "member-join")

	// Loss (nft) and delay (the agent's hook) have nothing to measure;
	// they stay with --keep and heal removes both.
	if s := r.chaos("loss", "30", "web_[1-3]", "--keep"); !strings.Contains(s.Note, "nothing to measure") {
		t.Errorf("loss: note %q", s.Note)
	}
	if got := r.chaosTables(allTen...); strings.Join(got, ",") != "web_1,web_2,web_3" {
		t.Errorf("loss 30 web_[1-3]: chaos table on %v", got)
	}
	r.chaos("delay", "50ms", "web_9", "--keep")
	if out := r.must("ssh", "web_9", "--", "labagent fault"); !strings.Contains(out, "delay=50ms") {
		t.Errorf("delay: web_9's agent says %q", out)
	}
	// lab doctor shows what --keep left, and nothing once healed.
	doc, _ := r.run("doctor")
	for _, want := range []string{"chaos faults", "kept", "web_1: nftables", "web_3: nftables", "web_9: agent fault hook (delay=50ms)"} {
		if !strings.Contains(doc, want) {
			t.Errorf("lab doctor with kept faults lacks %q:\n%s", want, doc)
		}
	}
	r.chaos("heal")
	if out, _ := r.run("doctor"); !regexp.MustCompile(`chaos faults\s+ok\s+none on the running nodes`).MatchString(out) {
		t.Errorf("lab doctor after heal:\n%s", out)
	}
	if got := r.chaosTables(allTen...); len(got) > 0 {
		t.Errorf("heal left the chaos table on %v", got)
	}
	if out := r.must("ssh", "web_9", "--", "labagent fault"); !strings.Contains(out, "none") {
		t.Errorf("heal left the agent's fault on web_9: %q", out)
	}

	// A partition without --keep is healed when the command ends.
	r.wantSaw(r.chaos("isolate", "web_7"), 9, nil, "member-failed")
	if got := r.chaosTables(allTen...); len(got) > 0 {
		t.Errorf("isolate without --keep left the chaos table on %v", got)
	}
	r.chaos("heal")

	// Ctrl-C during a partition heals it.
	c := r.cmd("chaos", "partition", "web_[1-5]", "web_[6-10]", "--timeout", "10m")
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(r.chaosTables("web_1", "web_10")) < 2 {
		if time.Now().After(deadline) {
			_ = c.Process.Kill()
			t.Fatalf("the partition never appeared:\n%s", out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := c.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := c.Wait(); err == nil {
		t.Errorf("interrupted lab chaos exited 0:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "healed") {
		t.Errorf("interrupted lab chaos did not say it healed:\n%s", out.String())
	}
	if got := r.chaosTables(allTen...); len(got) > 0 {
		t.Errorf("Ctrl-C during a partition left the chaos table on %v", got)
	}

	// Halting every node is allowed; there is no one left to measure.
	if s := r.chaos("halt", "--all", "--force"); !strings.Contains(s.Note, "no survivor") {
		t.Errorf("halt --all: note %q", s.Note)
	}
}

// TestRootChaosPartitionDefaultWait: a 50-node lab cut in halves is seen
// by every observer with chaos's default wait (the simulator's forecast
// of that partition with its margin, no --timeout), and so is the heal.
func TestRootChaosPartitionDefaultWait(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for the netns provider")
	}
	agent := buildLabagent(t)
	r, flags := newLabDir(t)
	r.must(append([]string{"up", "--nodes", "50"}, flags...)...)
	r.must("provision", "--agent-binary", agent)

	s := r.chaos("partition", "web_[1-25]", "web_[26-50]", "--keep")
	r.wantSaw(s, 50, nil, "member-failed")
	if s.Wait == nil || s.Wait.Predicted == nil || s.Wait.Predicted.Scenario != "partition 25|25 of 50" || s.Wait.BaseS <= s.Wait.Predicted.LastS {
		t.Errorf("partition: wait %+v, want the simulator's partition 25|25 of 50 below the base", s.Wait)
	} else if s.LastS != nil {
		t.Logf("partition: predicted last %.1fs, waited up to %.1fs (extended: %v), measured last %.1fs", s.Wait.Predicted.LastS, s.Wait.BaseS, s.Wait.Extended, *s.LastS)
	}
	h := r.chaos("heal")
	r.wantSaw(h, 50, nil, "member-join")
	if h.Wait == nil || h.Wait.Predicted == nil || h.Wait.Predicted.Scenario != "heal of a partition 25|25" {
		t.Errorf("heal: wait %+v, want the simulator's heal of a partition 25|25", h.Wait)
	}
}
