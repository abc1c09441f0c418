package agent_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/agenttest"
)

const waitLong = 20 * time.Second

// TestClusterLifecycle is the in-process API the bench uses: create,
// start, join, user event, graceful leave (left) and crash (failed).
func TestClusterLifecycle(t *testing.T) {
	ctx := t.Context()
	c := agenttest.NewCluster(t, ctx, 3, agenttest.Options{})
	c.WaitConverged(t, waitLong)
	a0, a1, a2 := c.Agents[0], c.Agents[1], c.Agents[2]

	if err := a0.UserEvent("deploy", []byte("v1"), false); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, waitLong, func() (bool, string) {
		for _, a := range c.Agents {
			if !agenttest.HasEntry(a, agent.EntryUser, a0.Name()) {
				return false, a.Name() + " has no user event in its journal"
			}
		}
		return true, ""
	})

	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := a2.Leave(lctx); err != nil {
		t.Fatalf("leave: %v", err)
	}
	if err := a2.Shutdown(); err != nil {
		t.Fatalf("shutdown after leave: %v", err)
	}
	agenttest.WaitStatus(t, waitLong, []*agent.Agent{a0, a1}, a2.Name(), agent.StatusLeft)

	if err := a1.Shutdown(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := a1.Shutdown(); err != nil {
		t.Fatalf("second shutdown: %v", err)
	}
	agenttest.WaitStatus(t, waitLong, []*agent.Agent{a0}, a1.Name(), agent.StatusFailed)

	for _, want := range []struct {
		typ  agent.EntryType
		node string
	}{
		{agent.EntryMemberJoin, a1.Name()},
		{agent.EntryMemberJoin, a2.Name()},
		{agent.EntryMemberLeave, a2.Name()},
		{agent.EntryMemberFailed, a1.Name()},
	} {
		if !agenttest.HasEntry(a0, want.typ, want.node) {
			t.Errorf("%s journal lacks %s %s", a0.Name(), want.typ, want.node)
		}
	}
	if agenttest.HasEntry(a0, agent.EntryMemberFailed, a2.Name()) {
		t.Errorf("%s recorded the graceful leaver %s as failed", a0.Name(), a2.Name())
	}
}

// TestShutdownEndsGoroutines: after Shutdown nothing of the agents keeps
// running (memberlist's, the transport pumps, RPC, handlers, loops).
func TestShutdownEndsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx := t.Context()
	var agents []*agent.Agent
	subnet := agenttest.SubnetFor(t.Name())
	for i := range 3 {
		cfg := agenttest.Config(fmt.Sprintf("g%d", i), agenttest.Addr(subnet, i))
		cfg.RPCAddr = agenttest.Addr(subnet, i).String() + ":0"
		cfg.EventHandlers = []string{"true"}
		a, err := agent.Create(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			if _, err := a.Join(ctx, []string{agents[0].Addr().String()}); err != nil {
				t.Fatal(err)
			}
		}
		agents = append(agents, a)
	}
	for _, a := range agents {
		if err := a.Shutdown(); err != nil {
			t.Fatal(err)
		}
	}
	agenttest.WaitFor(t, waitLong, func() (bool, string) {
		n := runtime.NumGoroutine()
		return n <= before, fmt.Sprintf("%d goroutines, %d before the agents", n, before)
	})
}
