package rpc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// DefaultAddr is where the agent's RPC server listens by default.
const DefaultAddr = "127.0.0.1:7373"

// Line limits. Before a connection is authenticated (when the agent has
// a token) its first request may hold MaxAuthBytes; after that each
// request may hold MaxRequestBytes and each response MaxResponseBytes.
// The agent answers a longer request with an error and closes the
// connection.
const (
	MaxAuthBytes     = 4 << 10
	MaxRequestBytes  = 1 << 20
	MaxResponseBytes = 1 << 20
)

// The commands.
const (
	CmdMembers    = "members"
	CmdJoin       = "join"
	CmdLeave      = "leave"
	CmdForceLeave = "force-leave"
	CmdEvent      = "event"
	CmdTags       = "tags"
	CmdMonitor    = "monitor"
	CmdJournal    = "journal"
	CmdKeys       = "keys"
	CmdFault      = "fault"
	CmdInfo       = "info"
	// CmdAuth only presents the token (the first request of a client that
	// has one); it has no arguments and no result.
	CmdAuth = "auth"
)

// Request is one request line.
type Request struct {
	Seq     uint64          `json:"seq"`
	Token   string          `json:"token,omitempty"`
	Command string          `json:"command"`
	Args    json.RawMessage `json:"args,omitempty"`
}

// Response is one response line.
type Response struct {
	Seq    uint64          `json:"seq"`
	Error  string          `json:"error,omitempty"`
	Hint   string          `json:"hint,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	More   bool            `json:"more,omitempty"`
}

// Error is an error the agent answered with: its message. The agent's
// hints travel beside it (Response.Hint) and the client attaches them
// to it as data (see package internal/hint).
type Error struct {
	Message string
}

func (e *Error) Error() string { return e.Message }

// ErrorResponse builds the response for err: its message, and its hints
// (hint.All), one a line, as the Hint.
func ErrorResponse(seq uint64, err error) Response {
	return Response{Seq: seq, Error: err.Error(), Hint: strings.Join(hint.All(err), "\n")}
}

// responseError is the error a response carries, its hints attached,
// or nil.
func responseError(resp Response) error {
	if resp.Error == "" {
		return nil
	}
	var err error = &Error{Message: resp.Error}
	hints := strings.Split(resp.Hint, "\n")
	for i := len(hints) - 1; i >= 0; i-- { // the first one outermost, as the agent had them
		err = hint.Wrap(err, hints[i])
	}
	return err
}

// ArgsFor returns a pointer to the zero args of command (nil when it
// takes none), or an error for an unknown command.
func ArgsFor(command string) (any, error) {
	switch command {
	case CmdMembers, CmdLeave, CmdInfo, CmdAuth:
		return nil, nil
	case CmdJoin:
		return &JoinArgs{}, nil
	case CmdForceLeave:
		return &ForceLeaveArgs{}, nil
	case CmdEvent:
		return &EventArgs{}, nil
	case CmdTags:
		return &TagsArgs{}, nil
	case CmdMonitor:
		return &MonitorArgs{}, nil
	case CmdJournal:
		return &JournalArgs{}, nil
	case CmdKeys:
		return &KeysArgs{}, nil
	case CmdFault:
		return &FaultArgs{}, nil
	}
	return nil, hint.Errorf("upgrade labagent so client and agent are the same version", "unknown command %q", command)
}

func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// DecodeRequest parses one request line and its arguments (strictly:
// unknown fields are errors). args is nil for commands without any.
func DecodeRequest(line []byte) (Request, any, error) {
	var r Request
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return r, nil, hint.Errorf("send one JSON object per line", "empty request")
	}
	if len(line) > MaxRequestBytes {
		return r, nil, fmt.Errorf("request of %d bytes is over the limit of %s", len(line), SizeText(MaxRequestBytes))
	}
	if err := strictUnmarshal(line, &r); err != nil {
		return r, nil, hint.Errorf(`send one JSON object per line: {"seq":1,"command":"members"}`, "malformed request: %v", err)
	}
	args, err := ArgsFor(r.Command)
	if err != nil {
		return r, nil, err
	}
	if args == nil {
		if len(r.Args) > 0 && !bytes.Equal(bytes.TrimSpace(r.Args), []byte("null")) && !bytes.Equal(bytes.TrimSpace(r.Args), []byte("{}")) {
			return r, nil, fmt.Errorf("command %q takes no arguments", r.Command)
		}
		return r, nil, nil
	}
	if len(r.Args) > 0 {
		if err := strictUnmarshal(r.Args, args); err != nil {
			return r, nil, fmt.Errorf("bad arguments for %q: %v", r.Command, err)
		}
	}
	if v, ok := args.(interface{ validate() error }); ok {
		if err := v.validate(); err != nil {
			return r, nil, err
		}
	}
	return r, args, nil
}

// ReadLine reads one newline-terminated line of at most limit bytes
// (not counting the newline); a last line without one is returned at
// EOF. It never holds more than limit bytes: at the first byte over, it
// stops reading and returns a *LineTooLongError, leaving the rest of the
// line unread.
func ReadLine(r *bufio.Reader, limit int) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := r.ReadSlice('\n')
		n := len(buf) + len(chunk)
		if err == nil {
			n-- // the newline
		}
		if n > limit {
			return nil, &LineTooLongError{Limit: limit}
		}
		buf = append(buf, chunk...)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == nil:
			return buf, nil
		case errors.Is(err, io.EOF) && len(buf) > 0:
			return buf, nil
		}
		return nil, err
	}
}

// LineTooLongError is ReadLine's error for a line over its limit.
type LineTooLongError struct{ Limit int }

func (e *LineTooLongError) Error() string {
	return "line over the limit of " + SizeText(e.Limit)
}

// SizeText writes a byte count as "4 KiB", "1 MiB" or "1500 bytes".
func SizeText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// JoinArgs: join ADDR...
type JoinArgs struct {
	Addrs []string `json:"addrs"`
}

func (a *JoinArgs) validate() error {
	if len(a.Addrs) == 0 {
		return hint.Errorf("labagent join 10.0.0.11 [10.0.0.12:7946 ...]", "join needs at least one address")
	}
	return nil
}

// JoinResult says how many addresses answered.
type JoinResult struct {
	Contacted int `json:"contacted"`
}

// ForceLeaveArgs: force-leave NODE
type ForceLeaveArgs struct {
	Node string `json:"node"`
}

func (a *ForceLeaveArgs) validate() error {
	if a.Node == "" {
		return hint.Errorf("labagent force-leave NODE", "force-leave needs a node name")
	}
	return nil
}

// EventArgs: event NAME [PAYLOAD]
type EventArgs struct {
	Name     string `json:"name"`
	Payload  []byte `json:"payload,omitempty"`
	Coalesce bool   `json:"coalesce"`
}

func (a *EventArgs) validate() error {
	if a.Name == "" {
		return hint.Errorf("labagent event NAME [PAYLOAD]", "event needs a name")
	}
	return nil
}

// TagsArgs: tags -set k=v -delete k
type TagsArgs struct {
	Set    map[string]string `json:"set,omitempty"`
	Delete []string          `json:"delete,omitempty"`
}

// TagsResult is the agent's tags afterwards.
type TagsResult struct {
	Tags map[string]string `json:"tags"`
}

// MonitorArgs: monitor -log-level L
type MonitorArgs struct {
	LogLevel string `json:"log_level,omitempty"`
}

// MonitorItem is one streamed log line.
type MonitorItem struct {
	Line string `json:"line"`
}

// JournalArgs: journal -since SEQ -follow
type JournalArgs struct {
	Since  uint64 `json:"since"`
	Follow bool   `json:"follow"`
}

// JournalResult is a batch of entries, oldest first.
type JournalResult struct {
	Entries []Entry `json:"entries"`
	// FirstSeq is the oldest sequence number the agent still holds; a
	// value above Since+1 means entries were lost to the ring's bound.
	FirstSeq uint64 `json:"first_seq"`
}

// KeysArgs: keys -list | -install K | -use K | -remove K [-local]
type KeysArgs struct {
	Op    string `json:"op"`
	Key   string `json:"key,omitempty"`
	Local bool   `json:"local,omitempty"` // this agent only, not every member
}

func (a *KeysArgs) validate() error {
	switch a.Op {
	case "list":
		return nil
	case "install", "use", "remove":
		if a.Key == "" {
			return hint.Errorf("labagent keys -"+a.Op+" BASE64KEY", "keys -%s needs a key", a.Op)
		}
		return nil
	}
	return hint.Errorf("use -list, -install, -use or -remove", "unknown keys operation %q", a.Op)
}

// KeysResult lists the agent's keys, primary first, and for a
// cluster-wide operation how the other members answered.
type KeysResult struct {
	Keys      []string          `json:"keys"`
	Asked     int               `json:"asked"`
	Responded int               `json:"responded"`
	Errors    map[string]string `json:"errors,omitempty"` // member -> error
}

// FaultArgs: fault -loss F -partition a,b -delay D | -clear. Unset
// fields keep their current value unless Clear is set.
type FaultArgs struct {
	Clear     bool     `json:"clear,omitempty"`
	Loss      *float64 `json:"loss,omitempty"`
	Partition []string `json:"partition,omitempty"`
	Delay     string   `json:"delay,omitempty"`
}

func (a *FaultArgs) validate() error {
	if a.Delay != "" {
		if _, err := time.ParseDuration(a.Delay); err != nil {
			return hint.Errorf("use a Go duration such as 50ms", "bad delay %q: %v", a.Delay, err)
		}
	}
	return nil
}
