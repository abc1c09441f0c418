package agent

import (
	"context"
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func seqs(es []Entry) []uint64 {
	var out []uint64
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

func TestJournalOrderAndBounds(t *testing.T) {
	tests := []struct {
		name     string
		size     int
		appends  int
		since    uint64
		want     []uint64
		wantFrst uint64
	}{
		{name: "empty", size: 4, appends: 0, since: 0, want: nil, wantFrst: 0},
		{name: "all", size: 4, appends: 3, since: 0, want: []uint64{1, 2, 3}, wantFrst: 1},
		{name: "since", size: 4, appends: 3, since: 2, want: []uint64{3}, wantFrst: 1},
		{name: "since last", size: 4, appends: 3, since: 3, want: nil, wantFrst: 1},
		{name: "wrapped keeps newest", size: 4, appends: 10, since: 0, want: []uint64{7, 8, 9, 10}, wantFrst: 7},
		{name: "wrapped since inside", size: 4, appends: 10, since: 8, want: []uint64{9, 10}, wantFrst: 7},
		{name: "since beyond", size: 4, appends: 2, since: 99, want: nil, wantFrst: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := NewJournal(tc.size, time.Now())
			for i := 0; i < tc.appends; i++ {
				j.Append(Entry{Type: EntryMemberJoin, Node: "n"})
			}
			got := j.Since(tc.since)
			if diff := cmp.Diff(tc.want, seqs(got)); diff != "" {
				t.Errorf("Since(%d) seqs (-want +got):\n%s", tc.since, diff)
			}
			if f := j.FirstSeq(); f != tc.wantFrst {
				t.Errorf("FirstSeq = %d, want %d", f, tc.wantFrst)
			}
			for i := 1; i < len(got); i++ {
				if got[i].MonoNs < got[i-1].MonoNs || got[i].Time.Before(got[i-1].Time) {
					t.Errorf("entry %d stamped before entry %d", got[i].Seq, got[i-1].Seq)
				}
			}
		})
	}
}

func TestJournalWait(t *testing.T) {
	j := NewJournal(8, time.Now())
	done := make(chan error, 1)
	go func() { done <- j.Wait(context.Background(), 0) }()
	j.Append(Entry{Type: EntryUser, Name: "x"})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := j.Wait(ctx, 5); err == nil {
		t.Error("Wait on a cancelled context returned nil")
	}
}

func TestEntryTypeText(t *testing.T) {
	for typ := EntryMemberJoin; typ <= EntryUser; typ++ {
		b, _ := typ.MarshalText()
		var back EntryType
		if err := back.UnmarshalText(b); err != nil || back != typ {
			t.Errorf("round trip of %v: got %v, %v", typ, back, err)
		}
	}
	var e EntryType
	if err := e.UnmarshalText([]byte("nope")); err == nil {
		t.Error("unknown type accepted")
	}
}

func TestJournalAppendAllocationFree(t *testing.T) {
	j := NewJournal(1024, time.Now())
	ap := netip.MustParseAddrPort("127.0.0.1:7946")
	allocs := testing.AllocsPerRun(1000, func() {
		j.Append(Entry{Type: EntryMemberJoin, Node: "web_1", Addr: ap})
	})
	if allocs != 0 {
		t.Errorf("Append allocates %v times per call, want 0", allocs)
	}
}

// BenchmarkJournalAppend: target <= 10 us/op and 0 allocs/op.
func BenchmarkJournalAppend(b *testing.B) {
	j := NewJournal(DefaultJournalSize, time.Now())
	ap := netip.MustParseAddrPort("127.0.0.1:7946")
	_, cancel := j.Notify() // one follower, as with `journal -follow`
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		j.Append(Entry{Type: EntryMemberJoin, Node: "web_1", Addr: ap})
	}
}

// TestEntryWire: the journal's record crosses the RPC as rpc.Entry, in
// the JSON `labagent journal -format json` has always printed.
func TestEntryWire(t *testing.T) {
	at := time.Date(2026, 11, 27, 12, 0, 0, 5, time.UTC)
	tests := []struct {
		name string
		e    Entry
		want string
	}{
		{"user event", Entry{Seq: 3, Time: at, UnixNano: at.UnixNano(), MonoNs: 7, Type: EntryUser, Node: "web_1", Addr: netip.MustParseAddrPort("10.0.0.1:7946"), Name: "deploy", LTime: 2},
			`{"seq":3,"time":"2026-11-27T12:00:00.000000005Z","unix_nano":1795780800000000005,"mono_ns":7,"type":"user","node":"web_1","addr":"10.0.0.1:7946","name":"deploy","ltime":2}`},
		{"suspect of an unknown address", Entry{Seq: 4, Time: at, UnixNano: at.UnixNano(), Type: EntryMemberSuspect, Node: "web_2"},
			`{"seq":4,"time":"2026-11-27T12:00:00.000000005Z","unix_nano":1795780800000000005,"mono_ns":0,"type":"member-suspect","node":"web_2","addr":""}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.e.Wire())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, string(b)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
