package watch

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseSnapshot(t *testing.T) {
	tests := []struct {
		name  string
		agent Agent
		out   string
		want  Snapshot
	}{
		{"labagent", Labagent(labagentCmd), `{"node": "web_1", "journal_last_seq": 42}
{
  "members": [
    {"name": "web_1", "addr": "127.0.0.1:7946", "status": "alive"},
    {"name": "web_2", "addr": "127.0.0.2:7946", "status": "leaving"},
    {"name": "web_3", "addr": "127.0.0.3:7946", "status": "failed"}
  ]
}
`, Snapshot{Cursor: 42, Members: []Listed{{"web_1", Alive}, {"web_2", Leaving}, {"web_3", Failed}}}},
		{"serf", Serf(labagentCmd), `{
  "members": [
    {"name": "web_1", "addr": "192.168.56.11:7946", "port": 7946, "tags": {}, "status": "alive", "protocol": {"max": 5, "min": 2, "version": 5}},
    {"name": "web_2", "addr": "192.168.56.12:7946", "port": 7946, "tags": {}, "status": "left", "protocol": {"max": 5, "min": 2, "version": 5}}
  ]
}
`, Snapshot{Members: []Listed{{"web_1", Alive}, {"web_2", Left}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.agent.ParseSnapshot([]byte(tt.out))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("snapshot (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := Labagent(labagentCmd).ParseSnapshot([]byte("Error connecting to agent\n")); err == nil {
		t.Error("labagent: no error for text that is not JSON")
	}
}

func TestCheckCmd(t *testing.T) {
	cmd := func(sub string, args ...string) string { return sub + " " + strings.Join(args, " ") }
	want := `members -format json -name ^(?:web_7|db\.1)$`
	for _, a := range []Agent{Labagent(cmd), Serf(cmd)} {
		if got := a.CheckCmd([]string{"web_7", "db.1"}); got != want {
			t.Errorf("%s: %q, want %q", a.Name(), got, want)
		}
	}
}

func TestParseLines(t *testing.T) {
	rec := time.Date(2026, 12, 3, 12, 0, 1, 500, time.UTC)
	tests := []struct {
		name    string
		agent   Agent
		started string
		lines   []string
		want    []Entry
	}{
		{"labagent journal", Labagent(labagentCmd), "", []string{
			`{"seq":7,"time":"2026-12-03T12:00:01.0000005Z","unix_nano":0,"mono_ns":0,"type":"member-failed","node":"web_3","addr":"127.0.0.3:7946"}`,
			`labagent journal: entries 1 to 6 were overwritten (journal size)`,
			`{"seq":8,"time":"2026-12-03T12:00:01.0000005Z","type":"user","node":"web_1","addr":"127.0.0.1:7946","name":"deploy","ltime":3}`,
		}, []Entry{
			{Type: "member-failed", Member: "web_3", Seq: 7, Recorded: rec},
			{Type: "user", Member: "web_1", Name: "deploy", Seq: 8, Recorded: rec},
		}},
		{"serf monitor", Serf(labagentCmd), "2026/12/03 12:00:01", []string{
			"2026/12/03 12:00:00 [INFO] serf: EventMemberJoin: web_9 192.168.56.19", // backlog
			"2026/12/03 12:00:02 [INFO] serf: EventMemberFailed: web_2 192.168.56.12",
			"2026/12/03 12:00:02 [DEBUG] memberlist: Stream connection from=192.168.56.14:52676",
			"2026/12/03 12:00:03 [INFO] memberlist: Suspect web_4 has failed, no acks received",
			"2026/12/03 12:00:04 [INFO] serf: EventMemberLeave: web_5 192.168.56.15",
		}, []Entry{
			{Type: "member-failed", Member: "web_2"},
			{Type: "member-suspect", Member: "web_4"},
			{Type: "member-leave", Member: "web_5"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.agent.NewParser()
			p.Started(tt.started)
			var got []Entry
			for _, l := range tt.lines {
				if e, ok := p.Line([]byte(l)); ok {
					got = append(got, e)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFollowScript runs the follow wrapper with sh: it prints the start
// mark and the command's lines, ends the command when its standard input
// closes, and says how the command exited.
func TestFollowScript(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	run := func(cmd string, closeAfter time.Duration) []string {
		c := exec.CommandContext(ctx, "sh", "-c", followScript(cmd))
		stdin, err := c.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if closeAfter > 0 {
			time.AfterFunc(closeAfter, func() { stdin.Close() })
		}
		out, err := c.Output()
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		return strings.Split(strings.TrimSpace(string(out)), "\n")
	}
	lines := run(`sh -c 'echo one; echo two >&2'`, 0)
	if len(lines) != 4 || !strings.HasPrefix(lines[0], markStart+"20") || lines[1] != "one" || lines[2] != "two" || lines[3] != markExit+"0" {
		t.Errorf("lines = %q", lines)
	}
	start := time.Now()
	lines = run("sleep 30", 300*time.Millisecond)
	if time.Since(start) > 5*time.Second || lines[len(lines)-1] != markExit+"143" {
		t.Errorf("closing stdin: lines %q after %s, want the command ended by SIGTERM", lines, time.Since(start))
	}
}

// TestSerfFollowFails: when serf monitor cannot start (the agent is
// down), the row gives no answer rather than waiting for its first one.
func TestSerfFollowFails(t *testing.T) {
	f, err := NewFeed(Config{Runner: cannedRunner{}, Agent: Serf(labagentCmd), Observers: []string{"web_1"}, Nodes: []string{"web_1"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go f.Run(ctx)
	waitMatrix(t, f.Matrix(), 4*time.Second, func(v View) (bool, string) {
		return !v.Answered[0] && v.Errors[0] != "", "web_1 is still awaited"
	})
}
