package agent

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

func TestParseHandlerSpec(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    HandlerSpec
		wantErr bool
	}{
		{name: "script only", in: "/usr/local/bin/h.sh", want: HandlerSpec{Script: "/usr/local/bin/h.sh"}},
		{name: "one filter", in: "member-join=h.sh", want: HandlerSpec{Filters: []HandlerFilter{{Type: EntryMemberJoin}}, Script: "h.sh"}},
		{name: "serf example", in: "member-join,user:deploy=script", want: HandlerSpec{Filters: []HandlerFilter{{Type: EntryMemberJoin}, {Type: EntryUser, Name: "deploy"}}, Script: "script"}},
		{name: "star", in: "*=h.sh", want: HandlerSpec{Script: "h.sh"}},
		{name: "script with equals", in: "FOO=1 /bin/h.sh", want: HandlerSpec{Script: "FOO=1 /bin/h.sh"}},
		{name: "unknown filter", in: "member-joined=h.sh", wantErr: true},
		{name: "name on non-user", in: "member-join:x=h.sh", wantErr: true},
		{name: "empty script", in: "user=", wantErr: true},
		{name: "empty", in: " ", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseHandlerSpec(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err == nil {
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestEnvKey(t *testing.T) {
	for in, want := range map[string]string{"role": "ROLE", "dc-1.zone": "DC_1_ZONE", "X9": "X9"} {
		if got := envKey(in); got != want {
			t.Errorf("envKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCoalescingSkipsOlderQueuedEvents(t *testing.T) {
	r := newHandlerRunner([]HandlerSpec{{Script: "true"}}, "self", 0, nil)
	for _, lt := range []uint64{1, 2, 3} {
		r.enqueue(handlerEvent{typ: EntryUser, user: &UserEvent{Name: "deploy", LTime: lt, Coalesce: true}})
	}
	r.enqueue(handlerEvent{typ: EntryUser, user: &UserEvent{Name: "other", LTime: 4, Coalesce: false}})
	var kept []uint64
	for len(r.queue) > 0 {
		e := <-r.queue
		if e.user.Coalesce && r.newerQueued(e) {
			continue
		}
		kept = append(kept, e.user.LTime)
	}
	if diff := cmp.Diff([]uint64{3, 4}, kept); diff != "" {
		t.Errorf("delivered ltimes (-want +got):\n%s", diff)
	}
}

func TestHandlerFailureAndTimeoutAreLogged(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	r := newHandlerRunner(nil, "self", 200*time.Millisecond, logger)
	e := handlerEvent{typ: EntryMemberJoin, members: []Member{{Member: rpc.Member{Name: "n"}}}}
	r.invoke(t.Context(), HandlerSpec{Script: "echo broken >&2; exit 3"}, e)
	r.invoke(t.Context(), HandlerSpec{Script: "sleep 30"}, e)
	for _, want := range []string{"event handler failed", "broken", "event handler timed out", "handler_timeout"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}
