package agent_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/agenttest"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// TestEventHandlersReceiveUserEvents: a user event reaches the handler of
// every agent with Serf's environment and stdin.
func TestEventHandlersReceiveUserEvents(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
	dir := t.TempDir()
	script := `f="` + dir + `/$LAB_SELF_NAME.$LAB_EVENT"; { env | grep ^LAB_ | sort; echo ---; cat; } > "$f.tmp" && mv "$f.tmp" "$f"`
	c := agenttest.NewCluster(t, t.Context(), 3, agenttest.Options{Configure: func(i int, cfg *agent.Config) {
		cfg.Tags = map[string]string{"role": "web"}
		cfg.EventHandlers = []string{"user:deploy=" + script, "member-failed=" + script, "member-join=exit 3"}
	}})
	c.WaitConverged(t, waitLong)
	if err := c.Agents[1].UserEvent("ignored", nil, false); err != nil {
		t.Fatal(err)
	}
	if err := c.Agents[0].UserEvent("deploy", []byte("v42"), true); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		return string(b)
	}
	agenttest.WaitFor(t, waitLong, func() (bool, string) {
		for _, a := range c.Agents {
			if read(a.Name()+".user") == "" {
				return false, a.Name() + "'s handler has not run"
			}
		}
		return true, ""
	})
	for _, a := range c.Agents {
		got := read(a.Name() + ".user")
		for _, want := range []string{"LAB_EVENT=user\n", "LAB_SELF_NAME=" + a.Name() + "\n", "LAB_TAG_ROLE=web\n", "LAB_USER_EVENT=deploy\n", "LAB_USER_LTIME=", "---\nv42"} {
			if !strings.Contains(got, want) {
				t.Errorf("%s handler saw:\n%s\nwant it to contain %q", a.Name(), got, want)
			}
		}
	}
	// A member-failed handler gets "name\taddr\ttags" on stdin.
	dead := c.Agents[2]
	_ = dead.Shutdown()
	agenttest.WaitFor(t, waitLong, func() (bool, string) {
		got := read(c.Agents[0].Name() + ".member-failed")
		want := fmt.Sprintf("---\n%s\t%s\trole=web\n", dead.Name(), dead.Addr().Addr())
		return strings.Contains(got, want), fmt.Sprintf("handler saw %q, want %q", got, want)
	})
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestWrongEncryptionKeyKeepsNodeOut(t *testing.T) {
	ctx := t.Context()
	subnet := agenttest.SubnetFor(t.Name())
	k1, _ := agent.GenerateKey()
	k2, _ := agent.GenerateKey()
	start := func(i int, key string, logs *syncBuffer) *agent.Agent {
		cfg := agenttest.Config(fmt.Sprintf("node%d", i), agenttest.Addr(subnet, i))
		cfg.EncryptKey, _ = agent.DecodeKey(key)
		a, err := agent.Create(cfg, slog.New(slog.NewTextHandler(logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.Shutdown() })
		return a
	}
	var logs0, logs1 syncBuffer
	a0 := start(0, k1, &logs0)
	a1 := start(1, k2, &logs1)
	jctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err := a1.Join(jctx, []string{a0.Addr().String()})
	if err == nil {
		t.Fatal("join with a different key succeeded")
	}
	if !strings.Contains(hint.Text(err), "-encrypt") {
		t.Errorf("join error %q does not point at the key", err)
	}
	agenttest.WaitFor(t, waitLong, func() (bool, string) {
		ok := strings.Contains(logs0.String(), "different encryption keys")
		return ok, "no clear key-mismatch log on the contacted agent; logs:\n" + logs0.String()
	})
	if len(a0.Members()) != 1 || len(a1.Members()) != 1 {
		t.Errorf("members: %d and %d, want each agent alone", len(a0.Members()), len(a1.Members()))
	}
	if p := strings.Join(a0.Problems(), "\n"); !strings.Contains(p, "encryption") {
		t.Errorf("problems = %q, want the key mismatch", p)
	}
	// The same key joins.
	a2 := start(2, k1, &syncBuffer{})
	if _, err := a2.Join(jctx, []string{a0.Addr().String()}); err != nil {
		t.Fatalf("join with the same key: %v", err)
	}
}

// TestDuplicateAddressDetected: an agent advertising an address another
// member already advertises (every VM advertising 10.0.2.15) is reported
// with the cause and the fix.
func TestDuplicateAddressDetected(t *testing.T) {
	ctx := t.Context()
	subnet := agenttest.SubnetFor(t.Name())
	a0 := agenttest.Start(t, ctx, agenttest.Config("vm1", agenttest.Addr(subnet, 0)))
	cfg := agenttest.Config("vm2", agenttest.Addr(subnet, 1))
	cfg.AdvertiseAddr = a0.Addr().Addr().String()
	cfg.AdvertisePort = int(a0.Addr().Port())
	a1 := agenttest.Start(t, ctx, cfg)
	jctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, _ = a1.Join(jctx, []string{a0.Addr().String()})
	agenttest.WaitFor(t, waitLong, func() (bool, string) {
		p := strings.Join(append(a0.Problems(), a1.Problems()...), "\n")
		return strings.Contains(p, "-iface eth1") && strings.Contains(p, "-advertise") && strings.Contains(p, a0.Addr().String()),
			"problems so far: " + p
	})
	if info := a0.Info(); len(info.Problems) == 0 && len(a1.Info().Problems) == 0 {
		t.Error("info reports no problem")
	}
}

func TestVirtualBoxNATAddressWarned(t *testing.T) {
	cfg := agenttest.Config("vm1", agenttest.Addr(agenttest.SubnetFor(t.Name()), 0))
	cfg.AdvertiseAddr = "10.0.2.15" // advertised only: nothing is sent there in this test
	a := agenttest.Start(t, t.Context(), cfg)
	p := strings.Join(a.Info().Problems, "\n")
	if !strings.Contains(p, "10.0.2.15") || !strings.Contains(p, "-iface eth1") {
		t.Errorf("problems = %q, want the NAT address named with the fix", p)
	}
}

func TestSnapshotRejoin(t *testing.T) {
	ctx := t.Context()
	snap := filepath.Join(t.TempDir(), "snap.json")
	c := agenttest.NewCluster(t, ctx, 3, agenttest.Options{})
	c.WaitConverged(t, waitLong)
	subnet := agenttest.SubnetFor(t.Name())
	cfg := agenttest.Config("restarter", agenttest.Addr(subnet, 9))
	cfg.SnapshotPath = snap
	cfg.RejoinAfterLeave = true
	a := agenttest.Start(t, ctx, cfg)
	if _, err := a.Join(ctx, []string{c.Agents[0].Addr().String()}); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitStatus(t, waitLong, c.Agents, a.Name(), agent.StatusAlive)
	port := int(a.Addr().Port())
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := a.Leave(lctx); err != nil {
		t.Fatal(err)
	}
	_ = a.Shutdown()
	agenttest.WaitStatus(t, waitLong, c.Agents, a.Name(), agent.StatusLeft)

	cfg2 := agenttest.Config("restarter", agenttest.Addr(subnet, 9))
	cfg2.BindPort = port
	cfg2.SnapshotPath = snap
	cfg2.RejoinAfterLeave = true
	agenttest.Start(t, ctx, cfg2) // no join: the snapshot brings it back
	agenttest.WaitStatus(t, waitLong, c.Agents, a.Name(), agent.StatusAlive)
}

func TestRetryJoinGivesUp(t *testing.T) {
	subnet := agenttest.SubnetFor(t.Name())
	cfg := agenttest.Config("lonely", agenttest.Addr(subnet, 0))
	cfg.RetryJoin = []string{agenttest.Addr(subnet, 1).String() + ":1"} // nobody listens there
	cfg.RetryInterval = 50 * time.Millisecond
	cfg.RetryMaxAttempts = 2
	a := agenttest.Start(t, t.Context(), cfg)
	select {
	case <-a.ShutdownCh():
	case <-time.After(waitLong):
		t.Fatal("agent still runs after retry-join gave up")
	}
	if err := a.Err(); err == nil || !strings.Contains(err.Error(), "after 2 attempts") {
		t.Errorf("Err() = %v", err)
	}
}
