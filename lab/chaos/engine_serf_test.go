package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/provision"
)

// monitors are the fake cluster's serf monitor streams: lines queued per
// node, delivered by the node's Stream outside the cluster's lock.
type monitors struct {
	serf    bool
	live    map[string]bool
	queued  map[string][]string
	started int // streams ever started
	// liveAtInject is how many streams were live when the first agent
	// script or event ran.
	liveAtInject int
}

var _ Streamer = (*fakeCluster)(nil)

// newSerfCluster is a fake cluster whose agents are Serf: no journal,
// serf monitor streams instead.
func newSerfCluster(t *testing.T, n int) *fakeCluster {
	c := newFakeCluster(t, n)
	c.agent = AgentFor(provision.FlavourSerf)
	c.monitors = monitors{serf: true, live: map[string]bool{}, queued: map[string][]string{}, liveAtInject: -1}
	return c
}

// emit queues what node's serf monitor prints when it notices typ of
// subject. Call with mu held.
func (c *fakeCluster) emit(node, typ, subject string) {
	if !c.monitors.live[node] {
		return
	}
	ev := map[string]string{EventJoin: "EventMemberJoin", EventFailed: "EventMemberFailed", EventLeave: "EventMemberLeave"}[typ]
	if ev == "" {
		return
	}
	c.monitors.queued[node] = append(c.monitors.queued[node],
		fmt.Sprintf("2026/11/27 12:00:00 [INFO] serf: %s: %s 192.168.56.1", ev, subject))
}

// runSerf answers the commands only a Serf lab runs. Call with mu held.
func (c *fakeCluster) runSerf(node, cmd string) (bool, error) {
	if !c.monitors.serf {
		return false, nil
	}
	if c.monitors.liveAtInject < 0 && (cmd == c.agent.KillScript() || cmd == c.agent.StopScript() || strings.Contains(cmd, " event ")) {
		c.monitors.liveAtInject = len(c.monitors.live)
	}
	rest, ok := strings.CutPrefix(cmd, c.agent.Cmd("event", "-coalesce=false", UserEventName)+" '")
	if !ok {
		return false, nil
	}
	payload := strings.TrimSuffix(rest, "'")
	var hex []string
	for _, b := range []byte(payload) {
		hex = append(hex, fmt.Sprintf("%#02x", b))
	}
	for _, o := range c.l.NodeNames() {
		if o != node && c.monitors.live[o] {
			c.monitors.queued[o] = append(c.monitors.queued[o], "Event Info:", "\tCoalesce: false", `	Event: "user"`,
				"\tLTime: 3", `	Name: "lab-chaos"`, "\tPayload: []byte{"+strings.Join(hex, ", ")+"}")
		}
	}
	c.log = append(c.log, node+": serf event")
	return true, nil
}

// Stream is serf monitor on node: a backlog line, then what the node
// notices, until stdin closes.
func (c *fakeCluster) Stream(ctx context.Context, node, cmd string, stdin io.Reader, line func(string)) error {
	if cmd != c.agent.monitorScript() {
		return fmt.Errorf("fake stream: unexpected command %.60q", cmd)
	}
	c.mu.Lock()
	up := c.agentUp[node]
	c.monitors.started++
	if up {
		c.monitors.live[node] = true
	}
	c.mu.Unlock()
	line(monitorPIDMark + "42 since 2026/11/27 12:00:00")
	if !up {
		line("Error connecting to Serf agent: dial tcp 127.0.0.1:7373: connect: connection refused")
		line(monitorExitMark + "1")
		return nil
	}
	line("2026/11/27 11:59:00 [INFO] serf: EventMemberFailed: web_9 192.168.56.19") // the backlog: before the injection
	closed := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, stdin); close(closed) }()
	for {
		c.mu.Lock()
		q := c.monitors.queued[node]
		c.monitors.queued[node] = nil
		c.mu.Unlock()
		for _, l := range q {
			line(l)
		}
		select {
		case <-closed:
			c.mu.Lock()
			delete(c.monitors.live, node)
			c.mu.Unlock()
			line(monitorExitMark + "0")
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

func outcomes(s *Summary) map[string]string {
	out := map[string]string{}
	for _, o := range s.Observations {
		out[o.Node] = o.Outcome
	}
	return out
}

func TestEngineSerf(t *testing.T) {
	tests := []struct {
		name  string
		setup func(c *fakeCluster)
		line  string
		want  map[string]string
	}{
		{name: "kill-agent: failed", line: "kill-agent web_2",
			want: map[string]string{"web_1": "member-failed", "web_3": "member-failed", "web_4": "member-failed"}},
		{name: "stop-agent: left", line: "stop-agent web_4",
			want: map[string]string{"web_1": "member-leave", "web_2": "member-leave", "web_3": "member-leave"}},
		{name: "an observer whose monitor cannot start is unreachable", line: "stop-agent web_4",
			setup: func(c *fakeCluster) { c.agentUp["web_2"] = false },
			want:  map[string]string{"web_1": "member-leave", "web_2": "unreachable", "web_3": "member-leave"}},
		{name: "event: matched by the payload's sender and nonce", line: "event web_3",
			want: map[string]string{"web_1": "user", "web_2": "user", "web_4": "user"}},
		{name: "partition: each side sees the other fail", line: "partition web_1 'web_[2-4]'",
			want: map[string]string{"web_1": "member-failed", "web_2": "member-failed", "web_3": "member-failed", "web_4": "member-failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newSerfCluster(t, 4)
			if tt.setup != nil {
				tt.setup(c)
			}
			req := mustReq(t, tt.line)
			req.Timeout = time.Hour // the fake clock runs a second per reading
			s, err := c.engine().Do(context.Background(), req, 0)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, outcomes(s)); diff != "" {
				t.Errorf("observations (-want +got):\n%s", diff)
			}
			if s.Agent != "serf" || s.AgentProfile != "lan" {
				t.Errorf("agent %q profile %q, want serf lan", s.Agent, s.AgentProfile)
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			if len(c.monitors.live) > 0 {
				t.Errorf("monitors still running after the step: %v", c.monitors.live)
			}
			want := 0
			for _, o := range tt.want {
				if o != OutcomeUnreachable {
					want++
				}
			}
			if c.monitors.liveAtInject >= 0 && c.monitors.liveAtInject != want {
				t.Errorf("%d monitors live at the injection, want %d", c.monitors.liveAtInject, want)
			}
			if c.journalReads > 0 {
				t.Errorf("read %d journals on a Serf lab", c.journalReads)
			}
		})
	}
}

func TestEngineSerfRefuses(t *testing.T) {
	for _, line := range []string{"delay 50ms --all", "loss 20 --all --mechanism agent"} {
		t.Run(line, func(t *testing.T) {
			c := newSerfCluster(t, 3)
			_, err := c.engine().Do(context.Background(), mustReq(t, line), 0)
			if _, ok := errors.AsType[*NotInjectedError](err); !ok || !strings.Contains(err.Error(), "Serf lacks") {
				t.Fatalf("err = %v, want a refusal naming Serf", err)
			}
			if len(c.log) > 0 || c.monitors.started > 0 {
				t.Errorf("acted anyway: %v", c.log)
			}
		})
	}
}

// The monitors are stopped when ctx ends during the wait (Ctrl-C).
func TestEngineSerfInterrupted(t *testing.T) {
	c := newSerfCluster(t, 3)
	c.deaf["web_1"], c.deaf["web_3"] = true, true
	ctx, cancel := context.WithCancel(context.Background())
	e := c.engine()
	e.Now = func() time.Time { return time.Now() }
	go func() {
		for {
			c.mu.Lock()
			started := c.monitors.liveAtInject >= 0
			c.mu.Unlock()
			if started {
				cancel()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	req := mustReq(t, "kill-agent web_2")
	req.Timeout = time.Minute
	_, err := e.Do(ctx, req, 0)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want cancelled", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.monitors.live) > 0 || !slices.Contains(c.log, "web_2: "+firstLineOf(c.agent.KillScript())) {
		t.Errorf("live monitors %v, log %v", c.monitors.live, c.log)
	}
}
