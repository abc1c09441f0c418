package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/lab"
)

// fakeCluster stands in for a lab: a provider, agents with journals, and
// a shell that answers the commands chaos runs. Its clock advances one
// second per reading, and failures spread with a fixed delay per observer
// (web_i notices after i seconds), so latencies are exact.
type fakeCluster struct {
	t  *testing.T
	l  *lab.Lab
	mu sync.Mutex

	clock    time.Time
	state    map[string]lab.NodeState
	agentUp  map[string]bool
	journals map[string][]Entry
	deaf     map[string]bool // observers that never notice
	nft      map[string]string
	agent    AgentCLI
	log      []string

	journalReads int
	// reached lists the nodes the engine ran a no-op on, in order, and
	// atInject what it held when the first agent script ran.
	reached  []string
	atInject []string
	// skew is each node's clock minus the controller's; with any set the
	// provider does not share the host's clock (VMs).
	skew map[string]time.Duration
	// monitors are the nodes' serf monitor streams (Serf agents only).
	monitors monitors
	// quickReload: a reloaded node is back before anyone noticed it gone,
	// so the observers record only its new incarnation (member-update).
	quickReload bool
	// lateJoins: the observer records these members' joins right after
	// the controller first reads its journal (a cluster still merging).
	lateJoins map[string][]string
}

func newFakeCluster(t *testing.T, n int) *fakeCluster {
	c := &fakeCluster{t: t, l: testLab(t, n), clock: t0, state: map[string]lab.NodeState{}, agentUp: map[string]bool{},
		journals: map[string][]Entry{}, deaf: map[string]bool{}, nft: map[string]string{}}
	for _, name := range c.l.NodeNames() {
		c.state[name] = lab.StateRunning
		c.agentUp[name] = true
	}
	return c
}

func (c *fakeCluster) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clock = c.clock.Add(time.Second)
	return c.clock
}

// notice makes every running, agent-up observer (but the deaf) record typ
// for subject, web_i after i seconds. Call with mu held.
func (c *fakeCluster) notice(typ, subject string, observers []string) {
	for _, o := range observers {
		if o == subject || c.state[o] != lab.StateRunning || !c.agentUp[o] || c.deaf[o] {
			continue
		}
		n, _ := c.l.Node(o)
		j := c.journals[o]
		at := c.clock.Add(c.skew[o] + time.Duration(n.Index)*time.Second)
		c.journals[o] = append(j, Entry{Entry: rpc.Entry{Seq: uint64(len(j) + 1), UnixNano: at.UnixNano(), Type: typ, Node: subject}})
		c.emit(o, typ, subject)
	}
}

func (c *fakeCluster) Info() lab.ProviderInfo {
	return lab.ProviderInfo{Name: "fake", SharedClock: len(c.skew) == 0, NodeFirewall: true}
}

func (c *fakeCluster) Halt(_ context.Context, _ *lab.Lab, nodes []string, force bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, fmt.Sprintf("halt %v force=%v", nodes, force))
	for _, n := range nodes {
		c.state[n] = lab.StateHalted
		typ := EventLeave
		if force {
			typ = EventFailed
		}
		c.notice(typ, n, c.l.NodeNames())
	}
	return nil
}

func (c *fakeCluster) Reload(_ context.Context, _ *lab.Lab, nodes []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, fmt.Sprintf("reload %v", nodes))
	for _, n := range nodes {
		if c.quickReload {
			c.notice(EventUpdate, n, c.l.NodeNames())
			continue
		}
		c.notice(EventLeave, n, c.l.NodeNames())
		c.notice(EventJoin, n, c.l.NodeNames())
	}
	return nil
}

func (c *fakeCluster) Up(_ context.Context, _ *lab.Lab, nodes []string, _ lab.UpOptions) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, fmt.Sprintf("up %v", nodes))
	for _, n := range nodes {
		c.state[n] = lab.StateRunning
		c.notice(EventJoin, n, c.l.NodeNames())
	}
	return nil
}

func (c *fakeCluster) Status(context.Context, *lab.Lab) ([]lab.NodeStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []lab.NodeStatus
	for _, n := range c.l.NodeNames() {
		out = append(out, lab.NodeStatus{Node: n, State: c.state[n]})
	}
	return out, nil
}

func (c *fakeCluster) Run(_ context.Context, node, cmd string, stdin []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state[node] != lab.StateRunning {
		return nil, fmt.Errorf("ssh %s: connection refused", node)
	}
	if cmd == "true" { // the engine reaching a target before the injection
		c.reached = append(c.reached, node)
		return nil, nil
	}
	if handled, err := c.runSerf(node, cmd); handled {
		return nil, err
	}
	journalCmd := c.agent.Cmd("journal", "-format", "json")
	switch {
	case cmd == c.agent.MembersCmd():
		if !c.agentUp[node] {
			return nil, fmt.Errorf("agent on %s: connection refused", node)
		}
		var ms []string
		for _, n := range c.l.NodeNames() {
			if c.state[n] == lab.StateRunning && c.agentUp[n] {
				ms = append(ms, fmt.Sprintf(`{"name":%q,"addr":"10.0.0.1:7946","port":7946,"status":"alive"}`, n))
			}
		}
		return []byte(`{"members":[` + strings.Join(ms, ",") + `]}`), nil
	case strings.HasPrefix(cmd, journalCmd):
		c.journalReads++
		if !c.agentUp[node] {
			return nil, fmt.Errorf("agent on %s: connection refused", node)
		}
		var since uint64
		if rest := strings.TrimPrefix(cmd, journalCmd+" -since "); rest != cmd {
			since, _ = strconv.ParseUint(rest, 10, 64)
		}
		var out []string
		for _, e := range c.journals[node] {
			if e.Seq > since {
				b, _ := json.Marshal(e)
				out = append(out, string(b))
			}
		}
		for _, subj := range c.lateJoins[node] {
			j := c.journals[node]
			c.journals[node] = append(j, Entry{Entry: rpc.Entry{Seq: uint64(len(j) + 1), UnixNano: c.clock.Add(100 * time.Millisecond).UnixNano(), Type: EventJoin, Node: subj}})
		}
		delete(c.lateJoins, node)
		return []byte(strings.Join(out, "\n")), nil
	case cmd == c.agent.KillScript():
		if c.atInject == nil {
			c.atInject = append([]string{}, c.reached...)
		}
		c.agentUp[node] = false
		c.notice(EventFailed, node, c.l.NodeNames())
	case cmd == c.agent.StopScript():
		c.agentUp[node] = false
		c.notice(EventLeave, node, c.l.NodeNames())
	case cmd == c.agent.StartScript():
		c.agentUp[node] = true
		c.notice(EventJoin, node, c.l.NodeNames())
	case cmd == c.agent.Cmd("event", UserEventName):
		c.notice(EventUser, node, c.l.NodeNames())
	case cmd == nftProbe:
		return []byte("nft\n"), nil
	case cmd == "date +%s%N":
		return []byte(strconv.FormatInt(c.clock.Add(c.skew[node]).UnixNano(), 10) + "\n"), nil
	case cmd == "nft -f -":
		script := string(stdin)
		if script == RenderHeal() {
			delete(c.nft, node)
			break
		}
		c.nft[node] = script
		// The other side's members in the set fail, as seen from node.
		for _, m := range c.l.Nodes {
			if strings.Contains(script, " "+m.IP.String()+",") || strings.Contains(script, " "+m.IP.String()+" }") {
				c.notice(EventFailed, m.Name, []string{node})
			}
		}
	case cmd == c.agent.Cmd("fault", "-clear"):
	default:
		return nil, fmt.Errorf("fake shell: unexpected command on %s: %.60q", node, cmd)
	}
	c.log = append(c.log, node+": "+firstLineOf(cmd))
	return nil, nil
}

func firstLineOf(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func (c *fakeCluster) engine() *Engine {
	return &Engine{Lab: c.l, Machines: c, Shell: c, Agent: c.agent, Now: c.now, Poll: time.Millisecond, NewSeed: func() uint64 { return 5 }}
}

func mustReq(t *testing.T, line string) Request {
	t.Helper()
	words, err := splitWords(line)
	if err != nil {
		t.Fatal(err)
	}
	r, err := parseStep(words)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func latencies(s *Summary) map[string]string {
	out := map[string]string{}
	for _, o := range s.Observations {
		out[o.Node] = o.Outcome
		if o.Saw {
			out[o.Node] += " " + o.Latency.String()
		}
	}
	return out
}

// nftCommands counts the nft scripts run on the nodes (faults and heals).
func (c *fakeCluster) nftCommands() int {
	n := 0
	for _, l := range c.log {
		if strings.HasSuffix(l, ": nft -f -") {
			n++
		}
	}
	return n
}
