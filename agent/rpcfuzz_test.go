package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

// FuzzRPCHandle feeds arbitrary request lines to the server's line
// handler (on a created, unstarted agent), on an authenticated
// connection and on one to an agent with a token that has not
// authenticated yet. Each line gets exactly one well-formed final
// response and nothing panics; before authentication, a line without
// the token gets the token error and nothing else, whatever it holds.
func FuzzRPCHandle(f *testing.F) {
	for _, s := range []string{
		`{"seq":1,"command":"members"}`,
		`{"seq":2,"command":"info"}`,
		`{"seq":3,"command":"event","args":{"name":"x"}}`,
		`{"seq":4,"command":"fault","args":{"clear":true}}`,
		`{"seq":5,"command":"journal","args":{"since":0}}`,
		`{"seq":6,"command":"keys","args":{"op":"list"}}`,
		`{"seq":7,"command":"force-leave","args":{"node":"x"}}`,
		`{"seq":8,"command":"monitor","args":{"log_level":"bogus"}}`,
		`{"seq":9,"command":"leave"}`,
		`{"seq":10,"token":"fuzz-token","command":"join","args":{"addrs":7}}`,
		`{"seq":11,"token":"fuzz-token","command":"auth"}`,
		`{"seq":12,"token":"wrong","command":"join","args":{"addrs":7}}`,
		`not json`, `{"seq":1}`, "",
	} {
		f.Add([]byte(s))
	}
	cfg := DefaultConfig()
	cfg.NodeName = "fuzz"
	cfg.RPCAddr = ""
	a, err := Create(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	open := &rpcServer{a: a}
	guarded := &rpcServer{a: a, token: "fuzz-token"}
	tokenError := rpc.ErrorResponse(0, errBadToken)
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, s := range []*rpcServer{open, guarded} {
			var final []rpc.Response
			c := &rpcConn{r: bufio.NewReader(strings.NewReader("")), authed: s.token == ""}
			c.send = func(r rpc.Response) error {
				if !r.More {
					final = append(final, r)
				}
				return nil
			}
			ctx, cancel := context.WithCancel(context.Background())
			err := s.serveLine(ctx, c, line)
			cancel()
			if len(final) != 1 {
				t.Fatalf("%q: %d final responses, want 1", line, len(final))
			}
			if _, err := json.Marshal(final[0]); err != nil {
				t.Fatalf("%q: response does not encode: %v", line, err)
			}
			var carried struct {
				Token string `json:"token"`
			}
			_ = json.Unmarshal(line, &carried) // how the token may be spelled in JSON
			if s.token != "" && carried.Token != s.token {
				got := final[0]
				got.Seq = 0
				if !errors.Is(err, errUnauthenticated) || !reflect.DeepEqual(got, tokenError) {
					t.Fatalf("%q before authentication: %+v (%v), want only the token error", line, final[0], err)
				}
			}
		}
	})
}

// FuzzDecodeGossip: the agent's gossip messages and push/pull state come
// from the network; decoding garbage must fail cleanly.
func FuzzDecodeGossip(f *testing.F) {
	f.Add(encodeUserEvent(UserEvent{LTime: 3, Name: "deploy", Payload: []byte("v1"), Origin: "web_1"}))
	f.Add(encodeLeaveIntent(leaveIntent{Node: "web_2", Boot: 42, Force: true}))
	f.Add(encodeLeaveIntent(leaveIntent{Node: "web_2", Boot: 42, Ack: true}))
	f.Add(encodeLeaveAck(leaveAck{Node: "web_2", Boot: 42, From: "web_1"}))
	f.Add(encodeState(7, []leaveIntent{{Node: "web_3", Boot: 1}}, [][]byte{encodeUserEvent(UserEvent{LTime: 3, Name: "deploy", Origin: "web_1"})}))
	f.Add(encodeKeyRequest(keyRequest{ID: 9, Origin: "web_1", Op: KeyInstall, Key: "k"}))
	f.Add(encodeKeyResponse(keyResponse{ID: 9, Node: "web_2", Error: "x"}))
	f.Add([]byte{msgUserEvent, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeUserEvent(b)
		_, _ = decodeLeaveIntent(b)
		_, _ = decodeLeaveAck(b)
		_, _, _, _ = decodeState(b)
		_, _ = decodeKeyRequest(b)
		_, _ = decodeKeyResponse(b)
	})
}
