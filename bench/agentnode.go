package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/gossiplab/gossiplab/agent"
)

// NewMemberlist returns the memberlist backend running agents of package
// agent on 127.0.subnet.x; it and its agents log to log.
func NewMemberlist(log *slog.Logger, subnet byte) *Memberlist {
	return &Memberlist{
		Log:         log,
		start:       startAgent,
		Subnet:      subnet,
		StartSpread: 2 * time.Second,
	}
}

// agentNode adapts *agent.Agent to clusterNode.
type agentNode struct{ a *agent.Agent }

var _ clusterNode = agentNode{}

// tuning maps the profile's knobs onto the agent's timers, every field
// of agent.Tuning. simulator.Config names memberlist's knobs but has no
// TCPTimeout (the simulator models no TCP timeouts), so the agents keep
// the named profile's: memberlist's own, 10 s for lan, 30 s for wan and
// 1 s for local. The knobs Tuning does not hold (suspicion and awareness
// multipliers, packet size, reconnect interval) are memberlist's and
// Serf's defaults in the agent, as in the simulator's presets.
func tuning(p Profile) (agent.Tuning, error) {
	t, err := agent.ProfileTuning(p.Name)
	if err != nil {
		return agent.Tuning{}, err
	}
	c := p.Config
	t.GossipInterval, t.GossipNodes = c.GossipInterval, c.GossipNodes
	t.ProbeInterval, t.ProbeTimeout = c.ProbeInterval, c.ProbeTimeout
	t.SuspicionMult, t.RetransmitMult = c.SuspicionMult, c.RetransmitMult
	t.PushPullInterval, t.IndirectChecks = c.PushPullInterval, c.IndirectChecks
	t.GossipToTheDead = c.GossipToTheDeadTime
	return t, nil
}

var _ nodeStarter = startAgent

func startAgent(ctx context.Context, name string, ip netip.Addr, p Profile, log *slog.Logger) (clusterNode, error) {
	cfg := agent.DefaultConfig()
	cfg.NodeName = name
	cfg.BindAddr = ip.String()
	cfg.BindPort = 0
	cfg.RPCAddr = ""
	t, err := tuning(p)
	if err != nil {
		return nil, err
	}
	cfg.Profile = p.Name
	cfg.Tuning = t
	cfg.LogLevel = "warn"
	cfg.LeaveOnTerminate = false
	if p.Loss > 0 {
		cfg.Fault = agent.Fault{Loss: p.Loss}
	}
	a, err := agent.Create(cfg, log)
	if err != nil {
		return nil, err
	}
	// The agent lives until Shutdown or until ctx (the backend's run)
	// ends, which is a shutdown without leave.
	if err := a.Start(ctx); err != nil {
		_ = a.Shutdown()
		return nil, err
	}
	return agentNode{a}, nil
}

func (n agentNode) Name() string { return n.a.Name() }
func (n agentNode) Addr() string { return n.a.Addr().String() }

func (n agentNode) Join(ctx context.Context, addrs []string) error {
	_, err := n.a.Join(ctx, addrs)
	return err
}

func (n agentNode) Leave(ctx context.Context) error { return n.a.Leave(ctx) }
func (n agentNode) Shutdown() error                 { return n.a.Shutdown() }

func (n agentNode) UserEvent(name string) error { return n.a.UserEvent(name, nil, false) }

func (n agentNode) AliveCount() int {
	k := 0
	for _, m := range n.a.Members() {
		if m.Status == agent.StatusAlive {
			k++
		}
	}
	return k
}

func (n agentNode) Notify() (<-chan struct{}, func()) { return n.a.Journal().Notify() }

func (n agentNode) Cursor() uint64 { return n.a.Journal().LastSeq() }

// Learned finds the journal entry of ev. A graceful leave counts when the
// observer records the member as gone, left or failed: which one it
// records depends on whether the leave intent arrived first, and both mean
// it learned the member is no longer there.
func (n agentNode) Learned(cursor uint64, ev Event, subject string) (time.Time, bool) {
	for _, e := range n.a.Journal().Since(cursor) {
		var hit bool
		switch ev {
		case EventJoin:
			hit = e.Type == agent.EntryMemberJoin && e.Node == subject
		case EventLeave:
			hit = (e.Type == agent.EntryMemberLeave || e.Type == agent.EntryMemberFailed) && e.Node == subject
		case EventFail:
			hit = e.Type == agent.EntryMemberFailed && e.Node == subject
		case EventUser:
			hit = e.Type == agent.EntryUser && e.Name == subject
		}
		if hit {
			return e.Time, true
		}
	}
	return time.Time{}, false
}

func (n agentNode) String() string { return fmt.Sprintf("agent %s at %s", n.Name(), n.Addr()) }
