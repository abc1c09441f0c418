package chaos

import (
	"bufio"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testdata/serf/monitor_web_1.txt is what `serf monitor -log-level=debug`
// printed on web_1 of a 5-node netns lab running Serf v0.10.2 (lab
// provision --agent serf), recorded with
//
//	lab ssh web_1 -- serf monitor -log-level=debug > monitor_web_1.txt
//
// while, from another shell: web_2's agent was SIGKILLed, web_3 ran
// `serf leave` and stopped, both were started again, and web_4 sent
// `serf event -coalesce=false lab-chaos "web_4 abc123"`. It starts with
// the backlog the agent replays to a new monitor (its own start and the
// cluster forming).
func TestMonitorParserRecorded(t *testing.T) {
	f, err := os.Open("testdata/serf/monitor_web_1.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tests := []struct {
		name  string
		nonce string
		since string
		want  []string
	}{
		{"every entry", "", "", []string{
			// the backlog: the cluster forming
			"member-join web_1", "member-join web_4", "member-join web_3", "member-join web_5", "member-join web_2",
			// web_2 killed: web_1's own probe suspects it, then it is failed;
			// a late probe suspects it again
			"member-suspect web_2", "member-failed web_2", "member-suspect web_2",
			"member-leave web_3",
			"member-join web_2", "member-join web_3",
			"user web_4",
		}},
		{"since the kill: the backlog's joins are skipped", "", "2026/11/27 14:05:34", []string{
			"member-suspect web_2", "member-failed web_2", "member-suspect web_2", "member-leave web_3",
			"member-join web_2", "member-join web_3", "user web_4",
		}},
		{"the user event of this nonce only", "abc12", "2026/11/27 14:05:34", []string{
			"member-suspect web_2", "member-failed web_2", "member-suspect web_2", "member-leave web_3",
			"member-join web_2", "member-join web_3",
		}},
	}
	lines := readLines(t, f)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, parseAll(tt.nonce, tt.since, lines)); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}

// parseAll feeds lines to one parser and lists the entries as "TYPE NODE".
func parseAll(nonce, since string, lines []string) []string {
	p := &MonitorParser{Nonce: nonce, Since: since}
	var got []string
	for _, l := range lines {
		if e, ok := p.Line(l); ok {
			got = append(got, e.Type+" "+e.Node)
		}
	}
	return got
}

func readLines(t *testing.T, f *os.File) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMonitorParserLines(t *testing.T) {
	tests := []struct {
		name  string
		nonce string
		since string
		lines []string
		want  []string
	}{
		{"backlog before the monitor started is skipped, its second kept", "", "2026/11/27 14:05:41", []string{
			"2026/11/27 14:05:40 [INFO] serf: EventMemberJoin: web_2 192.168.56.12",
			"2026/11/27 14:05:41 [INFO] serf: EventMemberFailed: web_3 192.168.56.13",
			"2026/11/27 14:05:42 [INFO] serf: EventMemberFailed: web_4 192.168.56.14",
		}, []string{"member-failed web_3", "member-failed web_4"}},
		{"join", "", "", []string{"2026/11/27 14:05:55 [INFO] serf: EventMemberJoin: web_2 192.168.56.12"}, []string{"member-join web_2"}},
		{"failed", "", "", []string{"2026/11/27 14:05:41 [INFO] serf: EventMemberFailed: web_2 192.168.56.12"}, []string{"member-failed web_2"}},
		{"leave", "", "", []string{"2026/11/27 14:05:49 [INFO] serf: EventMemberLeave: web_3 192.168.56.13"}, []string{"member-leave web_3"}},
		{"forced leave", "", "", []string{"2026/11/27 14:05:49 [INFO] serf: EventMemberLeave (forced): web_3 192.168.56.13"}, []string{"member-leave web_3"}},
		{"update", "", "", []string{"2026/11/27 14:05:49 [INFO] serf: EventMemberUpdate: web_3"}, []string{"member-update web_3"}},
		{"suspect", "", "", []string{"2026/11/27 14:05:38 [INFO] memberlist: Suspect web_2 has failed, no acks received"}, []string{"member-suspect web_2"}},
		{"coalesced member events and other lines are ignored", "", "", []string{
			"2026/11/27 14:05:42 [INFO] agent: Received event: member-failed",
			"Event Info:",
			`	Event: "member-failed"`,
			`	Members: []interface {}{map[interface {}]interface {}{"Name":"web_2", "Status":"failed"}}`,
			"2026/11/27 14:05:41 [INFO] memberlist: Marking web_2 as failed, suspect timeout reached (2 peer confirmations)",
			"2026/11/27 14:05:38 [DEBUG] memberlist: Failed UDP ping: web_2 (timeout reached)",
			"2026/11/27 14:05:29 [WARN] agent: error joining: 2 errors occurred:",
			"	* Failed to join 192.168.56.12:7946: dial tcp 192.168.56.12:7946: connect: connection refused",
			"",
			"Remote side ended the monitor! This usually means that the",
		}, nil},
		{"user event, fields in any order", "abc123", "", []string{
			"Event Info:", `	Payload: []byte{0x77, 0x65, 0x62, 0x5f, 0x34, 0x20, 0x61, 0x62, 0x63, 0x31, 0x32, 0x33}`,
			`	Name: "lab-chaos"`, "	LTime: 1", `	Event: "user"`, "	Coalesce: false",
		}, []string{"user web_4"}},
		{"user event of another step", "ffff", "", []string{
			"Event Info:", `	Event: "user"`, `	Name: "lab-chaos"`, `	Payload: []byte{0x77, 0x65, 0x62, 0x5f, 0x34, 0x20, 0x61, 0x62, 0x63, 0x31, 0x32, 0x33}`,
		}, nil},
		{"another event name", "", "", []string{
			"Event Info:", `	Event: "user"`, `	Name: "deploy"`, `	Payload: []byte{0x77, 0x20, 0x31}`,
		}, nil},
		{"a block ends at the next log line", "", "", []string{
			"Event Info:", `	Event: "user"`, `	Name: "lab-chaos"`,
			"2026/11/27 14:06:00 [INFO] agent: Received event: user-event: lab-chaos",
			`	Payload: []byte{0x77, 0x20, 0x31}`,
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, parseAll(tt.nonce, tt.since, tt.lines)); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseGoBytes(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
		ok   bool
	}{
		{"[]byte{0x77, 0x65}", []byte("we"), true},
		{"[]byte{}", nil, true},
		{"[]byte(nil)", nil, true},
		{"[]byte{0x777}", nil, false},
		{`"we"`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseGoBytes(tt.in)
			if ok != tt.ok || string(got) != string(tt.want) {
				t.Errorf("parseGoBytes(%q) = %q, %v", tt.in, got, ok)
			}
		})
	}
}

// Only Go's []byte literal is a []byte: "{0x77}" without the type is not
// (the prefix's result was once dropped, so it parsed as bytes).
func TestParseGoBytesNeedsTheType(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []byte
		ok   bool
	}{
		{"[]byte{0x77, 0x65}", []byte("we"), true},
		{"[]byte{}", nil, true},
		{"[]byte(nil)", nil, true},
		{"{0x77}", nil, false},
		{"[]byte{0x77", nil, false},
	} {
		got, ok := parseGoBytes(tc.in)
		if ok != tc.ok || string(got) != string(tc.want) {
			t.Errorf("parseGoBytes(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
