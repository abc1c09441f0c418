package chaos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// Journal entry types that chaos measures, as `labagent journal` names
// them.
const (
	EventJoin    = "member-join"
	EventLeave   = "member-leave"
	EventFailed  = "member-failed"
	EventSuspect = "member-suspect"
	EventUpdate  = "member-update"
	// EventUser is a user event delivered; its node is the sender.
	EventUser = "user"
)

// Entry is one line of an agent's journal: what `labagent journal -format
// json` prints (rpc.Entry; chaos reads Seq, UnixNano, MonoNs, Type and
// Node), or a Serf monitor line that chaos stamped itself.
type Entry struct {
	rpc.Entry
	// At, when set, is when the controller received the entry (a Serf
	// monitor line), on its own clock with its monotonic reading; UnixNano
	// is then At's wall time.
	At time.Time `json:"-"`
}

// Time is the entry's time: At when the controller stamped it, else the
// wall-clock time on its node.
func (e Entry) Time() time.Time {
	if !e.At.IsZero() {
		return e.At
	}
	return time.Unix(0, e.UnixNano)
}

// ParseJournal reads `labagent journal -format json` output: a JSON array
// of entries, one entry object per line, or an object with an "entries"
// array. Blank input is an empty journal.
func ParseJournal(r io.Reader) ([]Entry, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, nil
	}
	var entries []Entry
	switch data[0] {
	case '[':
		if err := json.Unmarshal(data, &entries); err != nil {
			return nil, fmt.Errorf("parse journal: %w", err)
		}
	case '{':
		dec := json.NewDecoder(bytes.NewReader(data))
		for i := 1; ; i++ {
			var raw struct {
				Entry
				Entries *[]Entry `json:"entries"`
			}
			err := dec.Decode(&raw)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("parse journal entry %d: %w", i, err)
			}
			if raw.Entries != nil {
				entries = append(entries, *raw.Entries...)
				continue
			}
			entries = append(entries, raw.Entry)
		}
	default:
		return nil, hint.Errorf("the agent must be asked for `journal -format json`", "parse journal: not JSON (starts with %q)", firstLine(data))
	}
	for i, e := range entries {
		if e.Type == "" || e.UnixNano <= 0 {
			return nil, fmt.Errorf("parse journal entry %d: no type or time (seq %d)", i+1, e.Seq)
		}
	}
	return entries, nil
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	if len(line) > 40 {
		line = line[:40]
	}
	return string(line)
}
