package agent_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/agenttest"
	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/hint"
)

func startWithRPC(t *testing.T, token string) (*agenttest.Cluster, string) {
	t.Helper()
	c := agenttest.NewCluster(t, t.Context(), 2, agenttest.Options{Configure: func(i int, cfg *agent.Config) {
		if i == 0 {
			cfg.RPCAddr = agenttest.Addr(agenttest.SubnetFor(t.Name()), 0).String() + ":0"
			cfg.RPCToken = token
			cfg.Tags = map[string]string{"role": "web"}
		}
	}})
	c.WaitConverged(t, waitLong)
	return c, c.Agents[0].Info().RPCAddr
}

func TestRPCCommands(t *testing.T) {
	ctx := t.Context()
	c, addr := startWithRPC(t, "s3cret")
	cl, err := rpc.Dial(ctx, addr, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	var ms rpc.MembersResult
	if err := cl.Call(ctx, rpc.CmdMembers, nil, &ms); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms.Members {
		got = append(got, m.Name+" "+m.Status)
	}
	if diff := cmp.Diff([]string{"node0 alive", "node1 alive"}, got); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}

	if err := cl.Call(ctx, rpc.CmdEvent, rpc.EventArgs{Name: "deploy", Payload: []byte("v1")}, nil); err != nil {
		t.Fatal(err)
	}
	loss := 0.25
	var f rpc.Fault
	if err := cl.Call(ctx, rpc.CmdFault, rpc.FaultArgs{Loss: &loss, Delay: "5ms"}, &f); err != nil {
		t.Fatal(err)
	}
	if f.Loss != 0.25 || f.Delay != 5*time.Millisecond {
		t.Errorf("fault = %+v", f)
	}
	var info rpc.Info
	if err := cl.Call(ctx, rpc.CmdInfo, nil, &info); err != nil {
		t.Fatal(err)
	}
	if info.FaultText != "loss=0.25 delay=5ms" || info.Node != "node0" || info.Version != agent.Version() {
		t.Errorf("info = %+v", info)
	}
	var cleared rpc.Fault
	if err := cl.Call(ctx, rpc.CmdFault, rpc.FaultArgs{Clear: true}, &cleared); err != nil || cleared.Loss != 0 || cleared.Delay != 0 {
		t.Errorf("clear: %+v, %v", cleared, err)
	}

	var jr rpc.JournalResult
	if err := cl.Call(ctx, rpc.CmdJournal, rpc.JournalArgs{}, &jr); err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, e := range jr.Entries {
		types[e.Type] = true
	}
	if !types["member-join"] || !types["user"] {
		t.Errorf("journal types = %v, want member-join and user", types)
	}

	err = cl.Call(ctx, rpc.CmdForceLeave, rpc.ForceLeaveArgs{Node: "nobody"}, nil)
	if err == nil || !strings.Contains(hint.Text(err), "hint:") {
		t.Errorf("force-leave of unknown node: %v, want an error with a hint", err)
	}

	// journal -follow streams new entries.
	fctx, cancel := context.WithTimeout(ctx, waitLong)
	defer cancel()
	fc, err := rpc.Dial(ctx, addr, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Close()
	seen := make(chan string, 16)
	go func() {
		_ = fc.Stream(fctx, rpc.CmdJournal, rpc.JournalArgs{Since: jr.Entries[len(jr.Entries)-1].Seq, Follow: true}, func(raw json.RawMessage) error {
			var b rpc.JournalResult
			if err := json.Unmarshal(raw, &b); err != nil {
				return err
			}
			for _, e := range b.Entries {
				seen <- e.Type + ":" + e.Name
			}
			return nil
		})
	}()
	agenttest.WaitFor(t, waitLong, func() (bool, string) {
		_ = c.Agents[1].UserEvent("followed", nil, false)
		select {
		case s := <-seen:
			return s == "user:followed", "streamed " + s
		case <-time.After(200 * time.Millisecond):
			return false, "nothing streamed"
		}
	})
}

func TestRPCRejectsBadTokenAndMalformedInput(t *testing.T) {
	ctx := t.Context()
	_, addr := startWithRPC(t, "s3cret")
	if cl, err := rpc.Dial(ctx, addr, "wrong"); err == nil || !strings.Contains(err.Error(), "token") {
		t.Errorf("dial with a wrong token: %v, want the token error", err)
		if cl != nil {
			cl.Close()
		}
	}

	// Once authenticated, malformed requests get error responses and the
	// connection stays usable.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	for _, line := range []string{`{"seq":1,"token":"s3cret","command":"auth"}`, "garbage", `{"seq":9,"command":"nope"}`, `{"seq":10,"command":"join","args":{"addrs":7}}`, "\x00\x01\x02", `{"seq":11,"command":"members"}`} {
		if _, err := conn.Write([]byte(line + "\n")); err != nil {
			t.Fatal(err)
		}
		resp, err := rpc.ReadLine(r, rpc.MaxResponseBytes)
		if err != nil {
			t.Fatalf("after %q: %v", line, err)
		}
		var rr rpc.Response
		wantErr := !strings.Contains(line, `"auth"`) && !strings.Contains(line, `"members"`)
		if err := json.Unmarshal(resp, &rr); err != nil || (rr.Error != "") != wantErr {
			t.Errorf("after %q: response %s, want an error: %v", line, resp, wantErr)
		}
	}
}

// TestEntryJSONMatchesWire: the journal's JSON is what rpc.Entry reads.
func TestEntryJSONMatchesWire(t *testing.T) {
	j := agent.NewJournal(4, time.Now())
	j.Append(agent.Entry{Type: agent.EntryUser, Node: "n", Name: "deploy", LTime: 3})
	b, err := json.Marshal(j.Snapshot()[0].Wire())
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	var e rpc.Entry
	if err := d.Decode(&e); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if e.Type != "user" || e.Name != "deploy" || e.LTime != 3 || e.Seq != 1 {
		t.Errorf("decoded %+v from %s", e, b)
	}
}
