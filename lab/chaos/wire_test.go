package chaos

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/provision"
)

// The agent's own wire types, encoded as `labagent journal -format json`
// (JSON Lines) and `labagent members -format json` (indented object) print
// them, parse into what chaos measures: a change on the agent's side
// breaks here, not in a lab.
func TestAgentWireFormats(t *testing.T) {
	at := time.Date(2026, 11, 27, 12, 0, 0, 5, time.UTC)
	var lines bytes.Buffer
	enc := json.NewEncoder(&lines)
	for i, typ := range []string{EventJoin, EventSuspect, EventFailed, EventLeave, "user"} {
		e := rpc.Entry{Seq: uint64(i + 1), Time: at, UnixNano: at.UnixNano(), MonoNs: int64(i), Type: typ, Node: "web_3", Addr: "10.0.0.3:7946"}
		if err := enc.Encode(e); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := ParseJournal(&lines)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if e.UnixNano != at.UnixNano() || e.Node != "web_3" {
			t.Errorf("entry %+v", e)
		}
		got = append(got, e.Type)
	}
	if diff := cmp.Diff([]string{EventJoin, EventSuspect, EventFailed, EventLeave, "user"}, got); diff != "" {
		t.Errorf("types (-want +got):\n%s", diff)
	}

	js, err := json.MarshalIndent(rpc.MembersResult{Members: []rpc.Member{{Name: "web_1", Status: "alive"}, {Name: "web_3", Status: "failed"}}}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := provision.ParseMembers(js)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]provision.Member{{Name: "web_1", Status: "alive"}, {Name: "web_3", Status: "failed"}}, ms); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
}

func TestConverged(t *testing.T) {
	running := []string{"web_1", "web_2"}
	tests := []struct {
		name  string
		views Views
		ok    bool
		diffs []string
		down  bool // web_2's agent was stopped by the scenario
	}{
		{"agreed", Views{"web_1": {"web_1": "alive", "web_2": "alive", "web_3": "failed"}, "web_2": {"web_1": "alive", "web_2": "alive"}}, true, nil, false},
		{"split", Views{"web_1": {"web_1": "alive", "web_2": "failed"}, "web_2": {"web_1": "alive", "web_2": "alive", "web_3": "alive"}}, false,
			[]string{"web_1: not alive: web_2", "web_2: alive but not running: web_3"}, false},
		{"silent agent", Views{"web_1": {"web_1": "alive", "web_2": "alive"}}, false, []string{"web_2: agent does not answer"}, false},
		{"stopped agent seen gone", Views{"web_1": {"web_1": "alive", "web_2": "failed"}}, false, []string{"web_1: not alive: web_2", "web_2: agent does not answer"}, false},
		// A scenario's wait after kill-agent web_2: converged once the
		// others no longer see it alive.
		{"agent downed: seen alive", Views{"web_1": {"web_1": "alive", "web_2": "alive"}}, false, []string{"web_1: alive, but its agent was stopped: web_2"}, true},
		{"agent downed: seen gone", Views{"web_1": {"web_1": "alive", "web_2": "failed"}}, true, nil, true},
		{"agent downed: no other answers", Views{}, false, []string{"web_1: agent does not answer"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var down []string
			if tt.down {
				down = []string{"web_2"}
			}
			ok, diffs := convergedWithout(tt.views, running, down)
			if ok != tt.ok {
				t.Errorf("converged = %v", ok)
			}
			if diff := cmp.Diff(tt.diffs, diffs); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// The timings chaos derives its default timeout from are the agent's.
func TestTimingMatchesAgentProfiles(t *testing.T) {
	for _, p := range []string{"lan", "wan", "local"} {
		t.Run(p, func(t *testing.T) {
			mine, err := ProfileTiming(p)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := agent.ProfileTuning(p)
			if err != nil {
				t.Fatal(err)
			}
			if mine.ProbeInterval != theirs.ProbeInterval || mine.SuspicionMult != theirs.SuspicionMult || mine.PushPullInterval != theirs.PushPullInterval {
				t.Errorf("chaos %+v, agent %+v", mine, theirs)
			}
		})
	}
}

// convergedWithout is Wait's check of one round of views: every running
// node but down answers and sees exactly those alive, and no one sees
// down alive.
func convergedWithout(v Views, running, down []string) (bool, []string) {
	up := filter(running, func(n string) bool { return !slices.Contains(down, n) })
	diffs := describe(provision.Assess(v.list(up), up, running, true))
	return len(diffs) == 0, diffs
}
