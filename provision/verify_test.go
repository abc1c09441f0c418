package provision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/golden"
	"github.com/gossiplab/gossiplab/internal/hint"
)

func membersJSON(self string, status map[string]string) string {
	var ms []string
	for _, n := range []string{"web_1", "web_2", "web_3"} {
		st, ok := status[n]
		if !ok {
			continue
		}
		ms = append(ms, fmt.Sprintf(`{"name":%q,"addr":"192.168.56.1%s:7946","port":7946,"tags":{"role":"web"},"status":%q,"protocol":{"min":1,"max":5,"cur":2}}`, n, n[len(n)-1:], st))
	}
	return `{"members":[` + strings.Join(ms, ",") + `]}`
}

func TestParseMembers(t *testing.T) {
	// Serf 0.10's `members -format json`, trimmed.
	serf := `{"members":[{"name":"web_2","addr":"192.168.56.12","port":7946,"tags":{},"status":"alive","protocol":{"max":5,"min":2,"version":5}},{"name":"web_1","addr":"192.168.56.11","port":7946,"tags":{"role":"web"},"status":"failed","protocol":{"max":5,"min":2,"version":5}}]}`
	got, err := ParseMembers([]byte(serf))
	if err != nil {
		t.Fatal(err)
	}
	serfProtocol := rpc.Versions{Min: 2, Max: 5, Version: 5} // parsed since Member is labagent's rpc.Member
	want := []Member{
		{Name: "web_1", Addr: "192.168.56.11", Port: 7946, Status: "failed", Tags: map[string]string{"role": "web"}, Protocol: serfProtocol},
		{Name: "web_2", Addr: "192.168.56.12", Port: 7946, Status: "alive", Tags: map[string]string{}, Protocol: serfProtocol},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	var out bytes.Buffer
	if err := WriteMembers(&out, got); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "members.txt", out.Bytes())
	// Names in the order people count: web_2 before web_10.
	ms, err := ParseMembers([]byte(`{"members":[{"name":"web_10","status":"alive"},{"name":"web_2","status":"alive"},{"name":"db_1","status":"alive"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
	}
	if diff := cmp.Diff([]string{"db_1", "web_2", "web_10"}, names); diff != "" {
		t.Errorf("member order (-want +got):\n%s", diff)
	}
	if _, err := ParseMembers([]byte("Error connecting to Serf agent")); err == nil {
		t.Error("want an error for non-JSON output")
	}
}

func splitViews(t *testing.T) []View {
	parse := func(s string) []Member {
		ms, err := ParseMembers([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return ms
	}
	return []View{
		{Node: "web_1", Members: parse(membersJSON("web_1", map[string]string{"web_1": "alive", "web_2": "alive", "web_3": "failed"}))},
		{Node: "web_2", Members: parse(membersJSON("web_2", map[string]string{"web_1": "alive", "web_2": "alive"}))},
		{Node: "web_3", Err: errors.New(`node "web_3": exit status 1: Error connecting to agent`)},
	}
}

func TestDisagreements(t *testing.T) {
	got := Disagreements(splitViews(t), []string{"web_1", "web_2", "web_3"})
	want := []string{
		"web_1 sees web_3 failed",
		"web_2 sees web_3 unknown",
		`web_3: cannot ask its agent: node "web_3": exit status 1: Error connecting to agent`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := Disagreements(splitViews(t)[:2], []string{"web_1", "web_2"}); len(got) != 0 {
		t.Errorf("converged views reported %v", got)
	}
}

func TestWriteMatrix(t *testing.T) {
	var out bytes.Buffer
	if err := WriteMatrix(&out, splitViews(t)); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "matrix.txt", out.Bytes())
}

// The columns follow the rows (the lab's node order), so that web_10
// is not read as web_2's column; names no observer is are appended.
func TestWriteMatrixColumnsFollowRows(t *testing.T) {
	alive := func(names ...string) []Member {
		var ms []Member
		for _, n := range names {
			ms = append(ms, Member{Name: n, Status: "alive"})
		}
		return ms
	}
	views := []View{
		{Node: "web_2", Members: alive("web_10", "web_2", "web_9")},
		{Node: "web_10", Members: append(alive("web_10", "web_2"), Member{Name: "web_9", Status: "failed"})},
	}
	var out bytes.Buffer
	if err := WriteMatrix(&out, views); err != nil {
		t.Fatal(err)
	}
	want := `OBSERVER \ NODE 1 2 3
web_2           A A A
web_10          A A F
nodes: 1=web_2 2=web_10 3=web_9
A alive, S suspect, F failed, L left, l leaving, ? not listed, ! no answer
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("matrix (-want +got):\n%s", diff)
	}
}

func TestWaitConvergedRootSSHD(t *testing.T) {
	f := newProvFixture(t, sshdOptions{}, "")
	l := f.layout("labagent")
	state := filepath.Join(f.root, "members.json")
	script := "#!/bin/sh\ncase \"$1\" in\nmembers) cat " + state + " ;;\nesac\n"
	if err := os.MkdirAll(l.BinDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.Binary(), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(s string) {
		if err := os.WriteFile(state, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(membersJSON("web_1", map[string]string{"web_1": "alive", "web_2": "failed"}))
	pool := NewPool(f.hosts, quickDial(), nil)
	pool.Add(f.sshd.endpoint("web_1"))
	defer pool.Close()
	cmd := MembersCommand(l, "")
	expected := []string{"web_1", "web_2"}
	opts := WaitOptions{Poll: 50 * time.Millisecond, MaxPoll: 50 * time.Millisecond}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	t0 := time.Now()
	_, err := WaitConverged(ctx, pool, cmd, []string{"web_1"}, expected, opts)
	t.Logf("first wait %v", time.Since(t0))
	var nc *NotConvergedError
	if !errors.As(err, &nc) || !strings.Contains(hint.Text(err), "web_1 sees web_2 failed") || !strings.Contains(hint.Text(err), "hint:") {
		t.Fatalf("err = %v, want NotConvergedError naming web_1 and web_2", err)
	}

	go func() {
		time.Sleep(150 * time.Millisecond)
		write(membersJSON("web_1", map[string]string{"web_1": "alive", "web_2": "alive"}))
	}()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	t0 = time.Now()
	views, err := WaitConverged(ctx2, pool, cmd, []string{"web_1"}, expected, opts)
	t.Logf("second wait %v", time.Since(t0))
	if err != nil || views[0].Status("web_2") != "alive" {
		t.Fatalf("WaitConverged = %v, %v", views, err)
	}
}

// The matrix's columns follow the observers' order (the lab's order), so
// that column 2 is web_2 in a 10-node lab, not web_10; members no observer
// stands for come after, web_9 before web_10.
func TestWriteMatrixColumnOrder(t *testing.T) {
	alive := func(names ...string) []Member {
		var ms []Member
		for _, n := range names {
			ms = append(ms, Member{Name: n, Status: "alive"})
		}
		return ms
	}
	all := []string{"web_1", "web_2", "web_10", "db_9", "web_9", "web_11"}
	views := []View{
		{Node: "web_1", Members: alive(all...)},
		{Node: "web_2", Members: alive(all...)},
		{Node: "web_10", Members: alive(all...)},
	}
	var out bytes.Buffer
	if err := WriteMatrix(&out, views); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	want := "nodes: 1=web_1 2=web_2 3=web_10 4=db_9 5=web_9 6=web_11"
	if diff := cmp.Diff(want, lines[4]); diff != "" {
		t.Errorf("legend (-want +got):\n%s\n%s", diff, out.String())
	}
}
