package watch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/lab/chaos"
)

// CmdLine renders an agent's client command as run on a node, quoted
// for a POSIX shell: CmdLine("members", "-format", "json"). The lab's
// chaos.AgentCLI.Cmd is one (the installed binary, its RPC flags).
type CmdLine func(sub string, args ...string) string

// Agent is what the feed needs to know of one flavour of agent: how to
// list an observer's members and how to follow its changes.
type Agent interface {
	// Name is the flavour: "labagent" or "serf".
	Name() string
	// SnapshotCmd lists the observer's members (and, with a journal,
	// its position).
	SnapshotCmd() string
	ParseSnapshot(out []byte) (Snapshot, error)
	// CheckCmd lists only the named members (to settle suspicions
	// without the whole list); ParseCheck reads its output.
	CheckCmd(names []string) string
	ParseCheck(out []byte) ([]Listed, error)
	// FollowCmd prints the observer's changes, one per line, until it is
	// ended; cursor is Snapshot.Cursor. It is one simple command (the
	// feed runs it in the background of a script that ends it by pid).
	FollowCmd(cursor uint64) string
	// NewParser reads one run of FollowCmd's lines.
	NewParser() LineParser
	// Cursored reports whether FollowCmd resumes from a cursor (a
	// journal): then the snapshot is taken first and the follow starts
	// where it stands. Without one the follow starts first and the
	// snapshot is taken once it runs, so that no change falls between.
	Cursored() bool
}

// Snapshot is an observer's member list.
type Snapshot struct {
	Members []Listed
	Cursor  uint64
}

// Listed is one member of a list and its state.
type Listed struct {
	Name  string
	State State
}

// LineParser turns the lines of one follow into entries.
type LineParser interface {
	// Started gives the node's time when the follow started
	// ("2006/01/02 15:04:05", the node's local time).
	Started(nodeTime string)
	// Line reads one line (without its newline).
	Line(line []byte) (Entry, bool)
}

// Entry is one change an observer recorded.
type Entry struct {
	Type   string // member-join, member-leave, member-failed, member-update, member-suspect, member-reap, user
	Member string // the subject (for a user event, its sender)
	Name   string // a user event's name
	Seq    uint64 // the journal's sequence number, 0 without a journal
	// Recorded is when the observer recorded it (its clock), zero when
	// the agent does not say.
	Recorded time.Time
}

// stateOf is the state an entry puts its member in; ok is false for
// entries that change no state (tags, user events).
func stateOf(typ string) (State, bool) {
	switch typ {
	case chaos.EventJoin:
		return Alive, true
	case chaos.EventLeave:
		return Left, true
	case chaos.EventFailed:
		return Failed, true
	case chaos.EventSuspect:
		return Suspect, true
	case "member-reap":
		return Unknown, true
	}
	return 0, false
}

// Labagent is the bundled agent: `labagent info` and `labagent members`
// for a snapshot (the journal's last sequence number, then the list),
// `labagent journal -follow -since SEQ` for the changes.
func Labagent(cmd CmdLine) Agent { return labagentFlavour{cmd: cmd} }

type labagentFlavour struct{ cmd CmdLine }

func (labagentFlavour) Name() string   { return "labagent" }
func (labagentFlavour) Cursored() bool { return true }

func (a labagentFlavour) SnapshotCmd() string {
	return a.cmd("info", "-format", "json") + " && " + a.cmd("members", "-format", "json")
}

func (a labagentFlavour) CheckCmd(names []string) string {
	return a.cmd("members", "-format", "json", "-name", namesRegexp(names))
}

func (labagentFlavour) ParseCheck(out []byte) ([]Listed, error) {
	var res rpc.MembersResult
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("parse labagent members: %w", err)
	}
	ls := make([]Listed, 0, len(res.Members))
	for _, m := range res.Members {
		ls = append(ls, Listed{Name: m.Name, State: parseStatus(m.Status)})
	}
	return ls, nil
}

// namesRegexp matches exactly the names (members' -name filters are
// regular expressions).
func namesRegexp(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = regexp.QuoteMeta(n)
	}
	return "^(?:" + strings.Join(q, "|") + ")$"
}

func (labagentFlavour) ParseSnapshot(out []byte) (Snapshot, error) {
	dec := json.NewDecoder(bytes.NewReader(out))
	var info rpc.Info
	if err := dec.Decode(&info); err != nil {
		return Snapshot{}, fmt.Errorf("parse labagent info: %w", err)
	}
	var res rpc.MembersResult
	if err := dec.Decode(&res); err != nil {
		return Snapshot{}, fmt.Errorf("parse labagent members: %w", err)
	}
	s := Snapshot{Cursor: info.JournalLastSeq, Members: make([]Listed, 0, len(res.Members))}
	for _, m := range res.Members {
		s.Members = append(s.Members, Listed{Name: m.Name, State: parseStatus(m.Status)})
	}
	return s, nil
}

func (a labagentFlavour) FollowCmd(cursor uint64) string {
	return a.cmd("journal", "-follow", "-format", "json", "-since", fmt.Sprint(cursor))
}

func (labagentFlavour) NewParser() LineParser { return &journalParser{} }

// journalParser reads `labagent journal -format json` lines (rpc.Entry).
type journalParser struct{}

func (*journalParser) Started(string) {}

func (*journalParser) Line(line []byte) (Entry, bool) {
	if len(line) == 0 || line[0] != '{' {
		return Entry{}, false
	}
	var e rpc.Entry
	if err := json.Unmarshal(line, &e); err != nil || e.Type == "" {
		return Entry{}, false
	}
	return Entry{Type: e.Type, Member: e.Node, Name: e.Name, Seq: e.Seq, Recorded: e.Time}, true
}

// Serf is HashiCorp Serf: `serf members -format json` for a snapshot,
// `serf monitor -log-level=info` for the changes, read with lab chaos's
// parser of Serf's log lines (Serf keeps no journal).
func Serf(cmd CmdLine) Agent { return serfFlavour{cmd: cmd} }

type serfFlavour struct{ cmd CmdLine }

func (serfFlavour) Name() string   { return "serf" }
func (serfFlavour) Cursored() bool { return false }

func (a serfFlavour) SnapshotCmd() string { return a.cmd("members", "-format", "json") }

func (a serfFlavour) CheckCmd(names []string) string {
	return a.cmd("members", "-format", "json", "-name", namesRegexp(names))
}

func (a serfFlavour) ParseCheck(out []byte) ([]Listed, error) {
	s, err := a.ParseSnapshot(out)
	return s.Members, err
}

func (serfFlavour) ParseSnapshot(out []byte) (Snapshot, error) {
	var res struct {
		Members []struct {
			Name   string `json:"name"`
			Status string `json:"status"`
		} `json:"members"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return Snapshot{}, fmt.Errorf("parse serf members: %w", err)
	}
	s := Snapshot{Members: make([]Listed, 0, len(res.Members))}
	for _, m := range res.Members {
		s.Members = append(s.Members, Listed{Name: m.Name, State: parseStatus(m.Status)})
	}
	return s, nil
}

func (a serfFlavour) FollowCmd(uint64) string { return a.cmd("monitor", "-log-level=info") }

func (serfFlavour) NewParser() LineParser { return &monitorParser{} }

// monitorParser adapts chaos.MonitorParser: it skips the backlog of old
// lines Serf replays to a new monitor (those stamped before the follow
// started).
type monitorParser struct{ p chaos.MonitorParser }

func (m *monitorParser) Started(nodeTime string) { m.p.Since = nodeTime }

func (m *monitorParser) Line(line []byte) (Entry, bool) {
	e, ok := m.p.Line(strings.TrimRight(string(line), "\n"))
	if !ok {
		return Entry{}, false
	}
	return Entry{Type: e.Type, Member: e.Node}, true
}
