package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/hint"
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

func TestEngineActions(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(c *fakeCluster)
		line    string
		want    map[string]string
		never   []string
		note    string
		targets []string
	}{
		{
			// web_i notices i seconds after the injection.
			name: "halt one", line: "halt web_3 --force",
			want: map[string]string{"web_1": "member-failed 1s", "web_2": "member-failed 2s", "web_4": "member-failed 4s", "web_5": "member-failed 5s"},
		},
		{
			name: "graceful halt is seen as a leave", line: "halt web_5",
			want: map[string]string{"web_1": "member-leave 1s", "web_2": "member-leave 2s", "web_3": "member-leave 3s", "web_4": "member-leave 4s"},
		},
		{
			name: "a deaf observer never sees it", line: "kill-agent web_1",
			setup: func(c *fakeCluster) { c.deaf["web_4"] = true },
			want:  map[string]string{"web_2": "member-failed 2s", "web_3": "member-failed 3s", "web_4": "never", "web_5": "member-failed 5s"},
			never: []string{"web_4"},
		},
		{
			name: "stop-agent leaves", line: "stop-agent web_2",
			want: map[string]string{"web_1": "member-leave 1s", "web_3": "member-leave 3s", "web_4": "member-leave 4s", "web_5": "member-leave 5s"},
		},
		{
			name: "reload: alive again, halted nodes do not observe", line: "reload web_2",
			setup: func(c *fakeCluster) { c.state["web_5"] = lab.StateHalted },
			want:  map[string]string{"web_1": "member-join 1s", "web_3": "member-join 3s", "web_4": "member-join 4s"},
		},
		{
			name: "reload back before anyone noticed it gone: its new incarnation", line: "reload web_2",
			setup: func(c *fakeCluster) { c.quickReload = true },
			want:  map[string]string{"web_1": "member-update 1s", "web_3": "member-update 3s", "web_4": "member-update 4s", "web_5": "member-update 5s"},
		},
		{
			name: "partition: each side sees the other fail", line: "partition 'web_[1-2]' web_4,web_5",
			want: map[string]string{"web_1": "member-failed 1s", "web_2": "member-failed 2s", "web_4": "member-failed 4s", "web_5": "member-failed 5s"},
		},
		{
			name: "a user event is delivered to every other agent", line: "event web_3",
			want: map[string]string{"web_1": "user 1s", "web_2": "user 2s", "web_4": "user 4s", "web_5": "user 5s"},
		},
		{
			name: "halting every node leaves no survivor", line: "halt --all",
			want: map[string]string{}, note: "no survivor to measure",
		},
		{
			name: "random targets are drawn from the engine's seed", line: "halt --random 2 --force",
			targets: []string{"web_4", "web_5"},
			want:    map[string]string{"web_1": "member-failed 1s", "web_2": "member-failed 2s", "web_3": "member-failed 3s"},
		},
		{
			name: "loss has nothing to measure", line: "loss 20 web_1",
			want: map[string]string{}, note: "nothing to measure",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFakeCluster(t, 5)
			if tt.setup != nil {
				tt.setup(c)
			}
			s, err := c.engine().Do(context.Background(), mustReq(t, tt.line), 0)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, latencies(s)); diff != "" {
				t.Errorf("observations (-want +got):\n%s", diff)
			}
			if tt.never == nil {
				tt.never = []string{}
			}
			if diff := cmp.Diff(tt.never, s.Never); diff != "" {
				t.Errorf("never (-want +got):\n%s", diff)
			}
			if !strings.Contains(s.Note, tt.note) || (tt.note == "" && s.Note != "") {
				t.Errorf("note %q, want %q", s.Note, tt.note)
			}
			if tt.targets != nil {
				if diff := cmp.Diff(tt.targets, s.Targets); diff != "" {
					t.Errorf("targets (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestEngineRefusesWrongState(t *testing.T) {
	tests := []struct{ line, want string }{
		{"halt web_2", "halt: web_2 not running\nhint: boot them first: lab chaos up web_2"},
		{"kill-agent web_2,web_3", "kill-agent: web_2, web_3 not running"},
		{"up web_1", "up: web_1 already running\nhint: halt them first (lab chaos halt web_1)"},
		{"start-agent web_1", "start-agent: the agent runs on web_1 already\nhint: stop it first (lab chaos stop-agent web_1), or use restart-agent"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c := newFakeCluster(t, 3)
			c.state["web_2"] = lab.StateHalted
			c.state["web_3"] = lab.StateHalted
			_, err := c.engine().Do(context.Background(), mustReq(t, tt.line), 0)
			if err == nil || !strings.Contains(hint.Text(err), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if len(c.log) > 0 {
				t.Errorf("acted anyway: %v", c.log)
			}
		})
	}
}

// up --all boots the halted nodes and start-agent --all starts the agents
// that are down, each measured from the others, instead of waiting out the
// timeout for targets the action changes nothing on.
func TestEngineSkipsTargetsInTheWrongState(t *testing.T) {
	tests := []struct {
		name, line string
		setup      func(c *fakeCluster)
	}{
		{"up boots the halted", "up --all", func(c *fakeCluster) { c.state["web_2"] = lab.StateHalted }},
		{"start-agent starts the stopped", "start-agent --all", func(c *fakeCluster) { c.agentUp["web_2"] = false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFakeCluster(t, 4)
			tt.setup(c)
			s, err := c.engine().Do(context.Background(), mustReq(t, tt.line), 0)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"web_2"}, s.Targets); diff != "" {
				t.Errorf("targets (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]string{"web_1": "member-join 1s", "web_3": "member-join 3s", "web_4": "member-join 4s"}, latencies(s)); diff != "" {
				t.Errorf("observations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnginePartitionSkipsHaltedNodes(t *testing.T) {
	c := newFakeCluster(t, 4)
	c.state["web_4"] = lab.StateHalted
	s, err := c.engine().Do(context.Background(), mustReq(t, "partition web_1 'web_[2-4]'"), 0)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []string
	for n := range c.nft {
		nodes = append(nodes, n)
	}
	slices.Sort(nodes)
	if diff := cmp.Diff([]string{"web_1", "web_2", "web_3"}, nodes); diff != "" {
		t.Errorf("rules on (-want +got):\n%s", diff)
	}
	// web_1 still drops web_4's traffic, should it boot.
	if !strings.Contains(c.nft["web_1"], "10.213.77.14 }") {
		t.Errorf("web_1's set lacks the halted web_4:\n%s", c.nft["web_1"])
	}
	if s.Observers != 3 {
		t.Errorf("observers %d, want 3", s.Observers)
	}
}

func TestEngineReloadBootsAHaltedNode(t *testing.T) {
	c := newFakeCluster(t, 3)
	c.state["web_3"] = lab.StateHalted
	s, err := c.engine().Do(context.Background(), mustReq(t, "reload web_3"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"web_1": "member-join 1s", "web_2": "member-join 2s"}, latencies(s)); diff != "" {
		t.Errorf("observations (-want +got):\n%s", diff)
	}
}

func TestEngineClockOffsets(t *testing.T) {
	c := newFakeCluster(t, 3)
	c.skew = map[string]time.Duration{"web_1": 90 * time.Second, "web_2": -time.Hour}
	e := c.engine()
	e.ClockSamples = 1
	s, err := e.Do(context.Background(), mustReq(t, "halt --force web_3"), 0)
	if err != nil {
		t.Fatal(err)
	}
	// The fake controller clock moves 1s per reading, so each offset is
	// known to ±0.5s; web_i notices i seconds after the injection.
	if s.SharedClock || s.ClockUncertaintyS != 0.5 {
		t.Errorf("shared %v, uncertainty %vs; want false, 0.5s", s.SharedClock, s.ClockUncertaintyS)
	}
	for _, o := range s.Observations {
		n, _ := c.l.Node(o.Node)
		want := time.Duration(n.Index) * time.Second
		if !o.Saw || o.Latency < want-o.ClockError || o.Latency > want+o.ClockError {
			t.Errorf("%s: latency %v, want %v ±%v despite a skewed clock", o.Node, o.Latency, want, o.ClockError)
		}
	}
}

func TestEngineTimeoutIsBounded(t *testing.T) {
	c := newFakeCluster(t, 3)
	c.deaf["web_1"], c.deaf["web_2"] = true, true
	s, err := c.engine().Do(context.Background(), mustReq(t, "halt web_3 --timeout 20s"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"web_1", "web_2"}, s.Never); diff != "" {
		t.Errorf("never (-want +got):\n%s", diff)
	}
	if s.TimeoutS != 20 {
		t.Errorf("timeout %v s, want 20", s.TimeoutS)
	}
}

func TestEngineHealBringsBackWhatWasDown(t *testing.T) {
	c := newFakeCluster(t, 4)
	e := c.engine()
	ctx := context.Background()
	ps, err := e.Do(ctx, mustReq(t, "partition web_1 'web_[2-4]'"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if ps.Saw != 4 || len(c.nft) != 4 {
		t.Fatalf("partition: saw %d, nft on %d nodes", ps.Saw, len(c.nft))
	}
	c.mu.Lock()
	c.clock = c.clock.Add(10 * time.Second) // every failure is in the past
	c.mu.Unlock()
	hs, err := e.Do(ctx, mustReq(t, "heal"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.nft) != 0 {
		t.Errorf("tables left after heal: %v", c.nft)
	}
	// The fake records no joins on heal: every observer that had a failed
	// member is expected to see it again, and never does.
	var expected []string
	for _, o := range hs.Observations {
		expected = append(expected, fmt.Sprintf("%s %d", o.Node, o.Expected))
	}
	want := []string{"web_1 3", "web_2 1", "web_3 1", "web_4 1"}
	if diff := cmp.Diff(want, expected); diff != "" {
		t.Errorf("heal expectations (-want +got):\n%s", diff)
	}
	if !slices.Equal(hs.Outcomes, []string{EventJoin}) {
		t.Errorf("heal outcomes %v", hs.Outcomes)
	}
}

// Members that came back after the controller read an observer's
// journal but before the heal are not expected to come back again: the
// expectation is the observer's state at the injection, not at the read.
func TestEngineHealExpectsWhatWasDownAtInjection(t *testing.T) {
	c := newFakeCluster(t, 4)
	e := c.engine()
	ctx := context.Background()
	if _, err := e.Do(ctx, mustReq(t, "partition web_1 'web_[2-4]'"), 0); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.clock = c.clock.Add(10 * time.Second)
	c.lateJoins = map[string][]string{"web_1": {"web_2", "web_3", "web_4"}}
	c.mu.Unlock()
	hs, err := e.Do(ctx, mustReq(t, "heal"), 0)
	if err != nil {
		t.Fatal(err)
	}
	var expected []string
	for _, o := range hs.Observations {
		expected = append(expected, fmt.Sprintf("%s %d", o.Node, o.Expected))
	}
	if diff := cmp.Diff([]string{"web_2 1", "web_3 1", "web_4 1"}, expected); diff != "" {
		t.Errorf("heal expectations (-want +got):\n%s", diff)
	}
}

func TestEngineDoesNotWaitForObserversWithoutAgent(t *testing.T) {
	c := newFakeCluster(t, 4)
	c.agentUp["web_2"] = false // killed earlier
	s, err := c.engine().Do(context.Background(), mustReq(t, "halt --force web_4 --timeout 1h"), 0)
	if err != nil {
		t.Fatal(err)
	}
	// The fake clock moves 1s per reading: waiting out the hour for web_2
	// would take thousands of journal reads.
	if c.journalReads > 20 {
		t.Errorf("%d journal reads: waited for an observer whose agent is down", c.journalReads)
	}
	if diff := cmp.Diff([]string{"web_2"}, s.Unreachable); diff != "" {
		t.Errorf("unreachable (-want +got):\n%s", diff)
	}
	if s.Saw != 2 {
		t.Errorf("saw %d, want 2", s.Saw)
	}
}

// TestEngineReachesTargetsBeforeInjecting: the shell's connection to a
// target is made before the injection instant, so that an SSH handshake
// is not measured; the provider's actions need none.
func TestEngineReachesTargetsBeforeInjecting(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{"kill-agent web_2,web_4", []string{"web_2", "web_4"}},
		{"halt web_2 --force", nil},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c := newFakeCluster(t, 5)
			e := c.engine()
			e.Parallel = 1
			if _, err := e.Do(context.Background(), mustReq(t, tt.line), 0); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c.reached); diff != "" {
				t.Errorf("reached (-want +got):\n%s", diff)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, c.atInject); diff != "" {
					t.Errorf("reached when the agent was killed (-want +got):\n%s", diff)
				}
			}
		})
	}
}
