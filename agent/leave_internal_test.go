package agent

import (
	"net"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/memberlist"
)

func TestLeaveMessagesRoundTrip(t *testing.T) {
	for _, want := range []leaveIntent{
		{Node: "web_1", Boot: 7},
		{Node: "web_1", Boot: 7, Force: true},
		{Node: "web_1", Boot: 7, Ack: true},
		{Node: "web_1", Boot: 7, Ack: true, Addr: netip.MustParseAddrPort("192.168.56.11:7946")},
	} {
		got, err := decodeLeaveIntent(encodeLeaveIntent(want))
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("leave intent round trip: got %+v, want %+v", got, want)
		}
	}
	// An intent from an agent before the address field decodes as before.
	old := encodeLeaveIntent(leaveIntent{Node: "web_1", Boot: 7, Ack: true})
	if got, err := decodeLeaveIntent(old); err != nil || got.Addr.IsValid() {
		t.Errorf("intent without an address: %+v, %v", got, err)
	}
	ack := leaveAck{Node: "web_1", Boot: 7, From: "web_2"}
	got, err := decodeLeaveAck(encodeLeaveAck(ack))
	if err != nil || got != ack {
		t.Errorf("leave ack round trip: got %+v, %v; want %+v", got, err, ack)
	}
}

// TestGoneDecision drives the delegate as memberlist would and checks
// what the journal records when the member goes: a crash stays failed; a
// graceful leave is left whatever memberlist did in between.
func TestGoneDecision(t *testing.T) {
	const boot, otherBoot = 100, 200
	node := func(b int64) *memberlist.Node {
		meta, _ := encodeMeta(b, nil)
		return &memberlist.Node{Name: "web_2", Addr: net.IPv4(127, 0, 0, 2), Port: 7946, Meta: meta}
	}
	intent := func(a *Agent) { a.receiveLeaveIntent(leaveIntent{Node: "web_2", Boot: boot}) }
	join := func(b int64) func(*Agent) { return func(a *Agent) { (&delegate{a}).NotifyJoin(node(b)) } }
	gone := func(a *Agent) { (&delegate{a}).NotifyLeave(node(boot)) }
	for _, tc := range []struct {
		name  string
		steps []func(*Agent)
		want  []EntryType
	}{
		{name: "crash", steps: []func(*Agent){join(boot), gone},
			want: []EntryType{EntryMemberJoin, EntryMemberFailed}},
		{name: "leave", steps: []func(*Agent){join(boot), intent, gone},
			want: []EntryType{EntryMemberJoin, EntryMemberLeave}},
		{name: "dead message before the intent", steps: []func(*Agent){join(boot), gone, intent},
			want: []EntryType{EntryMemberJoin, EntryMemberFailed, EntryMemberLeave}},
		{name: "revived while leaving", steps: []func(*Agent){join(boot), gone, intent, join(boot), gone},
			want: []EntryType{EntryMemberJoin, EntryMemberFailed, EntryMemberLeave, EntryMemberJoin, EntryMemberLeave}},
		{name: "new run after a leave crashes", steps: []func(*Agent){join(boot), intent, gone, join(otherBoot), gone},
			want: []EntryType{EntryMemberJoin, EntryMemberLeave, EntryMemberJoin, EntryMemberFailed}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.NodeName, cfg.RPCAddr = "web_1", ""
			a, err := Create(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			a.queue = &memberlist.TransmitLimitedQueue{RetransmitMult: 1, NumNodes: func() int { return 2 }}
			for _, step := range tc.steps {
				step(a)
			}
			var got []EntryType
			for _, e := range a.Journal().Snapshot() {
				got = append(got, e.Type)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("journal (-want +got):\n%s", diff)
			}
		})
	}
}
