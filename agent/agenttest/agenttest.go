package agenttest

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent"
)

// FastTuning returns memberlist timers short enough for tests: failures
// are detected in about a second, joins spread in a few 50 ms rounds.
func FastTuning() agent.Tuning {
	return agent.Tuning{
		GossipInterval:   50 * time.Millisecond,
		GossipNodes:      3,
		ProbeInterval:    200 * time.Millisecond,
		ProbeTimeout:     100 * time.Millisecond,
		SuspicionMult:    2,
		RetransmitMult:   4,
		PushPullInterval: 2 * time.Second,
		IndirectChecks:   2,
		TCPTimeout:       5 * time.Second,
		GossipToTheDead:  2 * time.Second,
	}
}

// Addr returns 127.0.subnet.(i+1).
func Addr(subnet byte, i int) netip.Addr {
	return netip.AddrFrom4([4]byte{127, 0, subnet, byte(i + 1)})
}

// SubnetFor derives a subnet (2..250) from a name such as t.Name().
func SubnetFor(name string) byte {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	return byte(2 + h.Sum32()%249)
}

// Config returns an agent configuration for tests: node name, bind
// address ip with a kernel-chosen port, fast timers, no RPC server, short
// reap and reconnect intervals.
func Config(name string, ip netip.Addr) *agent.Config {
	c := agent.DefaultConfig()
	c.NodeName = name
	c.BindAddr = ip.String()
	c.BindPort = 0
	c.Profile = "local"
	c.Tuning = FastTuning()
	c.RPCAddr = ""
	c.ReapInterval = 200 * time.Millisecond
	c.ReconnectInterval = time.Second
	c.HandlerTimeout = 5 * time.Second
	return c
}

// Logger returns a logger writing warnings and errors to the test output
// when the test runs with -v, and nothing otherwise.
func Logger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})).With("test", t.Name())
}

// Options configure NewCluster.
type Options struct {
	// Subnet is the third octet of the agents' addresses; 0 derives it
	// from the test name.
	Subnet byte
	// Prefix names the agents Prefix0, Prefix1...; default "node".
	Prefix string
	// Configure, when set, edits each agent's configuration.
	Configure func(i int, c *agent.Config)
	// NoJoin leaves the agents unjoined.
	NoJoin bool
	// StartSpread, when set, starts the agents at random offsets over
	// about this long, so their gossip ticks are not in lock-step.
	StartSpread time.Duration
}

// Cluster is a set of started agents.
type Cluster struct {
	Agents []*agent.Agent
	Subnet byte
}

// NewCluster creates and starts n agents, joins them all to the first and
// registers Shutdown as cleanup. It fails the test on any error.
func NewCluster(t testing.TB, ctx context.Context, n int, opts Options) *Cluster {
	t.Helper()
	if opts.Subnet == 0 {
		opts.Subnet = SubnetFor(t.Name())
	}
	if opts.Prefix == "" {
		opts.Prefix = "node"
	}
	c := &Cluster{Subnet: opts.Subnet}
	for i := range n {
		if opts.StartSpread > 0 && n > 1 {
			time.Sleep(rand.N(2 * opts.StartSpread / time.Duration(n)))
		}
		cfg := Config(fmt.Sprintf("%s%d", opts.Prefix, i), Addr(opts.Subnet, i))
		if opts.Configure != nil {
			opts.Configure(i, cfg)
		}
		a := Start(t, ctx, cfg)
		c.Agents = append(c.Agents, a)
		if i > 0 && !opts.NoJoin {
			if _, err := a.Join(ctx, []string{c.Agents[0].Addr().String()}); err != nil {
				t.Fatalf("join %s to %s: %v", a.Name(), c.Agents[0].Name(), err)
			}
		}
	}
	return c
}

// Start creates and starts one agent and registers its Shutdown.
func Start(t testing.TB, ctx context.Context, cfg *agent.Config) *agent.Agent {
	t.Helper()
	a, err := agent.Create(cfg, Logger(t))
	if err != nil {
		t.Fatalf("create agent %s: %v", cfg.NodeName, err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatalf("start agent %s: %v", cfg.NodeName, err)
	}
	t.Cleanup(func() { _ = a.Shutdown() })
	return a
}

// WaitFor polls cond every 20 ms until it returns true or timeout passes;
// then it fails the test with the last description cond gave.
func WaitFor(t testing.TB, timeout time.Duration, cond func() (ok bool, why string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not reached within %s: %s", timeout, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// StatusOf returns how observer sees node ("" when unknown).
func StatusOf(observer *agent.Agent, node string) agent.MemberStatus {
	for _, m := range observer.Members() {
		if m.Name == node {
			return m.Status
		}
	}
	return ""
}

// WaitStatus waits until every observer sees node in status.
func WaitStatus(t testing.TB, timeout time.Duration, observers []*agent.Agent, node string, status agent.MemberStatus) {
	t.Helper()
	WaitFor(t, timeout, func() (bool, string) {
		var wrong []string
		for _, o := range observers {
			if s := StatusOf(o, node); s != status {
				wrong = append(wrong, fmt.Sprintf("%s sees %q", o.Name(), s))
			}
		}
		return len(wrong) == 0, fmt.Sprintf("%s should be %s: %s", node, status, strings.Join(wrong, ", "))
	})
}

// WaitConverged waits until every agent sees every agent alive.
func (c *Cluster) WaitConverged(t testing.TB, timeout time.Duration) {
	t.Helper()
	WaitFor(t, timeout, func() (bool, string) {
		for _, o := range c.Agents {
			alive := 0
			for _, m := range o.Members() {
				if m.Status == agent.StatusAlive {
					alive++
				}
			}
			if alive != len(c.Agents) {
				return false, fmt.Sprintf("%s sees %d of %d alive", o.Name(), alive, len(c.Agents))
			}
		}
		return true, ""
	})
}

// HasEntry reports whether observer's journal holds an entry of typ
// about node.
func HasEntry(observer *agent.Agent, typ agent.EntryType, node string) bool {
	return slices.ContainsFunc(observer.Journal().Snapshot(), func(e agent.Entry) bool {
		return e.Type == typ && e.Node == node
	})
}

// WaitEntry waits until every observer's journal holds an entry of typ
// about node.
func WaitEntry(t testing.TB, timeout time.Duration, observers []*agent.Agent, typ agent.EntryType, node string) {
	t.Helper()
	WaitFor(t, timeout, func() (bool, string) {
		for _, o := range observers {
			if !HasEntry(o, typ, node) {
				return false, fmt.Sprintf("%s has no %s of %s", o.Name(), typ, node)
			}
		}
		return true, ""
	})
}

// Others returns the agents except a.
func (c *Cluster) Others(a *agent.Agent) []*agent.Agent {
	var out []*agent.Agent
	for _, x := range c.Agents {
		if x != a {
			out = append(out, x)
		}
	}
	return out
}

// Names returns the sorted member names observer knows with status.
func Names(observer *agent.Agent, status agent.MemberStatus) []string {
	var out []string
	for _, m := range observer.Members() {
		if m.Status == status {
			out = append(out, m.Name)
		}
	}
	sort.Strings(out)
	return out
}
