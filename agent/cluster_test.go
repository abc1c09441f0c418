package agent_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/agenttest"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// TestClusterSizes runs join, user event, leave and crash on 3, 10 and
// 50 agents.
func TestClusterSizes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n      int
		subnet byte
	}{
		{name: "3 agents", n: 3, subnet: 31},
		{name: "10 agents", n: 10, subnet: 32},
		{name: "50 agents", n: 50, subnet: 33},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if (testing.Short() || raceEnabled) && tc.n > 10 {
				t.Skip("the 50-agent cluster is too slow for 2 cores under -race or -short")
			}
			ctx := t.Context()
			c := agenttest.NewCluster(t, ctx, tc.n, agenttest.Options{Subnet: tc.subnet, StartSpread: 200 * time.Millisecond})
			c.WaitConverged(t, 30*time.Second)

			sender := c.Agents[tc.n/2]
			if err := sender.UserEvent("ping", []byte("x"), false); err != nil {
				t.Fatal(err)
			}
			agenttest.WaitFor(t, 30*time.Second, func() (bool, string) {
				missing := 0
				for _, a := range c.Agents {
					if !agenttest.HasEntry(a, agent.EntryUser, sender.Name()) {
						missing++
					}
				}
				return missing == 0, fmt.Sprintf("%d agents lack the user event", missing)
			})

			leaver, crasher := c.Agents[tc.n-1], c.Agents[tc.n-2]
			survivors := slices.Clone(c.Agents[:tc.n-2])
			lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := leaver.Leave(lctx); err != nil {
				t.Fatal(err)
			}
			_ = leaver.Shutdown()
			_ = crasher.Shutdown()
			agenttest.WaitStatus(t, 30*time.Second, survivors, leaver.Name(), agent.StatusLeft)
			agenttest.WaitStatus(t, 30*time.Second, survivors, crasher.Name(), agent.StatusFailed)
		})
	}
}

func TestUserEventTooLarge(t *testing.T) {
	c := agenttest.NewCluster(t, t.Context(), 1, agenttest.Options{})
	err := c.Agents[0].UserEvent("big", make([]byte, agent.DefaultUserEventLimit), false)
	if err == nil || !strings.Contains(err.Error(), "over the limit of 512") || !strings.Contains(hint.Text(err), "hint:") {
		t.Fatalf("oversized event: got error %v, want one naming the limit with a hint", err)
	}
	if got := c.Agents[0].Journal().LastSeq(); agenttest.HasEntry(c.Agents[0], agent.EntryUser, c.Agents[0].Name()) {
		t.Errorf("refused event was journaled (last seq %d)", got)
	}
}

func TestTagsUpdate(t *testing.T) {
	ctx := t.Context()
	c := agenttest.NewCluster(t, ctx, 2, agenttest.Options{Configure: func(i int, cfg *agent.Config) {
		cfg.Tags = map[string]string{"role": "web"}
	}})
	c.WaitConverged(t, waitLong)
	if err := c.Agents[1].SetTags(ctx, map[string]string{"version": "2"}, []string{"role"}); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, waitLong, func() (bool, string) {
		for _, m := range c.Agents[0].Members() {
			if m.Name == c.Agents[1].Name() {
				got := agent.FormatTags(m.Tags)
				return got == "version=2", "tags seen: " + got
			}
		}
		return false, "member missing"
	})
	if !agenttest.HasEntry(c.Agents[0], agent.EntryMemberUpdate, c.Agents[1].Name()) {
		t.Error("no member-update in the journal")
	}
}

func TestForceLeaveAndReap(t *testing.T) {
	ctx := t.Context()
	c := agenttest.NewCluster(t, ctx, 3, agenttest.Options{Configure: func(i int, cfg *agent.Config) {
		cfg.TombstoneTimeout = 500 * time.Millisecond
	}})
	c.WaitConverged(t, waitLong)
	dead := c.Agents[2]
	live := c.Agents[:2]
	if err := live[0].ForceLeave(live[1].Name()); err == nil || !strings.Contains(err.Error(), "not failed") {
		t.Errorf("force-leave of an alive member: got %v, want a refusal", err)
	}
	_ = dead.Shutdown()
	agenttest.WaitStatus(t, waitLong, live, dead.Name(), agent.StatusFailed)
	if err := live[0].ForceLeave(dead.Name()); err != nil {
		t.Fatal(err)
	}
	// Left members are reaped after the 500 ms tombstone window.
	agenttest.WaitFor(t, waitLong, func() (bool, string) {
		for _, a := range live {
			if !agenttest.HasEntry(a, agent.EntryMemberLeave, dead.Name()) || !agenttest.HasEntry(a, agent.EntryMemberReap, dead.Name()) {
				return false, a.Name() + " lacks member-leave and member-reap of " + dead.Name()
			}
		}
		return true, ""
	})
	if s := agenttest.StatusOf(live[1], dead.Name()); s != "" {
		t.Errorf("reaped member still listed as %q", s)
	}
}

func TestPartitionAndHeal(t *testing.T) {
	ctx := t.Context()
	c := agenttest.NewCluster(t, ctx, 4, agenttest.Options{})
	c.WaitConverged(t, waitLong)
	a, b := c.Agents[:2], c.Agents[2:]
	names := func(as []*agent.Agent) []string {
		var out []string
		for _, x := range as {
			out = append(out, x.Name())
		}
		return out
	}
	for _, x := range a {
		if err := x.SetFault(agent.Fault{Partition: names(b)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, x := range b {
		if err := x.SetFault(agent.Fault{Partition: names(a)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := a[0].Info().FaultText; !strings.Contains(got, "partition=") {
		t.Errorf("info fault = %q, want the partition", got)
	}
	for _, x := range b {
		agenttest.WaitStatus(t, waitLong, a, x.Name(), agent.StatusFailed)
	}
	for _, x := range c.Agents {
		if err := x.SetFault(agent.Fault{}); err != nil {
			t.Fatal(err)
		}
	}
	c.WaitConverged(t, 30*time.Second)
}

func TestFaultValidation(t *testing.T) {
	c := agenttest.NewCluster(t, t.Context(), 1, agenttest.Options{})
	for _, f := range []agent.Fault{{Loss: 1.5}, {Loss: -0.1}, {Delay: -time.Second}} {
		if err := c.Agents[0].SetFault(f); err == nil {
			t.Errorf("SetFault(%+v) accepted", f)
		}
	}
}

// TestOneSidedPartition: a partition set on one agent only cuts both
// directions, streams included (the peer's TCP fallback probes come from
// its own IP, which the transport dials from).
func TestOneSidedPartition(t *testing.T) {
	c := agenttest.NewCluster(t, t.Context(), 2, agenttest.Options{})
	c.WaitConverged(t, waitLong)
	a, b := c.Agents[0], c.Agents[1]
	if err := a.SetFault(agent.Fault{Partition: []string{b.Name()}}); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitStatus(t, waitLong, []*agent.Agent{a}, b.Name(), agent.StatusFailed)
	agenttest.WaitStatus(t, waitLong, []*agent.Agent{b}, a.Name(), agent.StatusFailed)
}

// A user event that a member missed in the gossip (memberlist's retransmit
// limit, a partition) reaches it with the next push/pull, as with Serf;
// but a member's own join does not replay the cluster's past events.
func TestUserEventRepairedByPushPull(t *testing.T) {
	subnet := agenttest.SubnetFor(t.Name())
	a := agenttest.Start(t, t.Context(), agenttest.Config("web_1", agenttest.Addr(subnet, 1)))
	if err := a.UserEvent("deploy", []byte("v1"), false); err != nil {
		t.Fatal(err)
	}
	if err := a.UserEvent("deploy", []byte("v2"), false); err != nil {
		t.Fatal(err)
	}
	state := a.PushPullState(false)
	for _, tt := range []struct {
		name string
		join bool
		want int // user entries in b's journal
	}{
		{"a sync delivers what was missed, once", false, 2},
		{"a join does not replay", true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := agenttest.Start(t, t.Context(), agenttest.Config("web_2", agenttest.Addr(subnet, 2)))
			b.MergePushPull(state, tt.join)
			b.MergePushPull(state, false) // a second sync: nothing new
			got := 0
			for _, e := range b.Journal().Since(0) {
				if e.Type == agent.EntryUser && e.Node == "web_1" && e.Name == "deploy" {
					got++
				}
			}
			if got != tt.want {
				t.Errorf("web_2 journaled %d user events from web_1, want %d", got, tt.want)
			}
		})
	}
}
