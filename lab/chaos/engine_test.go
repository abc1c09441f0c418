package chaos

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

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
	e.Parallel = 1 // one reading of the shared fake clock at a time: readings of two nodes must not interleave
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
