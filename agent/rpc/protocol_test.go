package rpc

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/hint"
)

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		wantCmd string
		wantErr string
	}{
		{name: "members", line: `{"seq":1,"command":"members"}`, wantCmd: "members"},
		{name: "join", line: `{"seq":2,"token":"t","command":"join","args":{"addrs":["127.0.0.1"]}}`, wantCmd: "join"},
		{name: "empty args object", line: `{"seq":3,"command":"info","args":{}}`, wantCmd: "info"},
		{name: "empty line", line: ``, wantErr: "empty request"},
		{name: "not json", line: `members`, wantErr: "malformed request"},
		{name: "unknown field", line: `{"seq":1,"command":"members","extra":1}`, wantErr: "unknown field"},
		{name: "unknown command", line: `{"seq":1,"command":"explode"}`, wantErr: "unknown command"},
		{name: "args on argless", line: `{"seq":1,"command":"members","args":{"x":1}}`, wantErr: "takes no arguments"},
		{name: "bad args type", line: `{"seq":1,"command":"join","args":{"addrs":"x"}}`, wantErr: "bad arguments"},
		{name: "unknown arg", line: `{"seq":1,"command":"join","args":{"addrs":["a"],"x":1}}`, wantErr: "bad arguments"},
		{name: "join without addrs", line: `{"seq":1,"command":"join","args":{}}`, wantErr: "at least one address"},
		{name: "bad delay", line: `{"seq":1,"command":"fault","args":{"delay":"soon"}}`, wantErr: "bad delay"},
		{name: "bad keys op", line: `{"seq":1,"command":"keys","args":{"op":"burn"}}`, wantErr: "unknown keys operation"},
		{name: "trailing data", line: `{"seq":1,"command":"members"} {}`, wantErr: "trailing data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _, err := DecodeRequest([]byte(tc.line))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.Command != tc.wantCmd {
				t.Errorf("command = %q, want %q", req.Command, tc.wantCmd)
			}
		})
	}
}

func TestReadLine(t *testing.T) {
	tests := []struct {
		name  string
		input string
		limit int
		want  []string // lines, or "ERR too long" / "ERR EOF"
	}{
		{name: "lines and a last one without newline", input: "a\nbb\nlast", limit: 8, want: []string{"a\n", "bb\n", "last", "ERR EOF"}},
		{name: "exactly the limit", input: "1234\n", limit: 4, want: []string{"1234\n", "ERR EOF"}},
		{name: "one over the limit", input: "12345\n", limit: 4, want: []string{"ERR too long"}},
		{name: "over the limit without newline", input: "12345", limit: 4, want: []string{"ERR too long"}},
		{name: "long line over several buffers", input: strings.Repeat("x", 40<<10) + "\n", limit: 32 << 10, want: []string{"ERR too long"}},
		{name: "long line within the limit", input: strings.Repeat("x", 40<<10) + "\n", limit: 64 << 10, want: []string{strings.Repeat("x", 40<<10) + "\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := bufio.NewReaderSize(strings.NewReader(tc.input), 16)
			var got []string
			for range tc.want {
				line, err := ReadLine(r, tc.limit)
				var tl *LineTooLongError
				switch {
				case errors.As(err, &tl):
					got = append(got, "ERR too long")
				case errors.Is(err, io.EOF):
					got = append(got, "ERR EOF")
				case err != nil:
					got = append(got, "ERR "+err.Error())
				default:
					got = append(got, string(line))
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadLineHoldsAtMostTheLimit: an endless line without a newline is
// refused after the limit, not read to its end.
func TestReadLineHoldsAtMostTheLimit(t *testing.T) {
	src := &countingReader{}
	r := bufio.NewReaderSize(src, 4096)
	_, err := ReadLine(r, MaxAuthBytes)
	var tl *LineTooLongError
	if !errors.As(err, &tl) || tl.Error() != "line over the limit of 4 KiB" {
		t.Fatalf("err = %v, want the line over the limit of 4 KiB", err)
	}
	if src.n > MaxAuthBytes+4096 {
		t.Errorf("read %d bytes of an endless line, want at most %d", src.n, MaxAuthBytes+4096)
	}
}

// countingReader is an endless stream of 'x' that counts what was read.
type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	c.n += len(p)
	return len(p), nil
}

func TestErrorResponseSplitsHint(t *testing.T) {
	r := ErrorResponse(7, fmt.Errorf("force-leave: %w", hint.Errorf("see members", "no such node")))
	if r.Seq != 7 || r.Error != "force-leave: no such node" || r.Hint != "see members" {
		t.Errorf("got %+v", r)
	}
}

// TestErrorRoundTrip: what the agent answers with reaches the client as
// the same message with the same hints, as data.
func TestErrorRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"no hint", errors.New("agent not started")},
		{"one hint", hint.Errorf("see members", "no such node %q", "web_9")},
		{"hints of joined errors", errors.Join(
			hint.Errorf("use a value from 0 to 1", "loss 2 is not a fraction"),
			hint.Errorf("use a delay from 0 to 1m", "delay 2h0m0s out of range"))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			line, err := json.Marshal(ErrorResponse(3, tc.err))
			if err != nil {
				t.Fatal(err)
			}
			var resp Response
			if err := json.Unmarshal(line, &resp); err != nil {
				t.Fatal(err)
			}
			got := responseError(resp)
			var e *Error
			if !errors.As(got, &e) || e.Message != tc.err.Error() {
				t.Errorf("message: got %v, want %q", got, tc.err.Error())
			}
			if diff := cmp.Diff(hint.All(tc.err), hint.All(got)); diff != "" {
				t.Errorf("hints (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(hint.Text(tc.err), hint.Text(got)); diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
		})
	}
	if responseError(Response{Seq: 1}) != nil {
		t.Error("a response without error is no error")
	}
}

// FuzzDecodeRequest: any input yields a request or an error, never a
// panic. The seeds run as part of the normal tests.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"seq":1,"command":"members"}`,
		`{"seq":2,"token":"t","command":"join","args":{"addrs":["127.0.0.1:7946"]}}`,
		`{"seq":3,"command":"event","args":{"name":"deploy","payload":"djE=","coalesce":true}}`,
		`{"seq":4,"command":"fault","args":{"loss":0.3,"partition":["a","b"],"delay":"50ms"}}`,
		`{"seq":5,"command":"journal","args":{"since":10,"follow":true}}`,
		`{"seq":6,"command":"keys","args":{"op":"install","key":"AAAA"}}`,
		`{"seq":7,"command":"tags","args":{"set":{"a":"b"},"delete":["c"]}}`,
		`{"seq":"x"}`, `[]`, `null`, `{`, "\x00\xff", `{"seq":1,"command":"members","args":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		req, args, err := DecodeRequest(line)
		if err == nil {
			if _, aerr := ArgsFor(req.Command); aerr != nil {
				t.Fatalf("accepted unknown command %q", req.Command)
			}
			_ = args
		}
	})
}
