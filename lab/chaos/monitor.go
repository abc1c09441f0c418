package chaos

import (
	"strconv"
	"strings"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

// MonitorParser turns the lines `serf monitor` prints into the journal
// entries chaos measures, for a Serf lab, whose agents keep no journal.
// It reads the lines Serf and memberlist log the moment a change happens,
// before Serf coalesces member events for its handlers and event stream:
//
//	[INFO] serf: EventMemberJoin: NAME ADDR            member-join
//	[INFO] serf: EventMemberLeave: NAME ADDR           member-leave
//	[INFO] serf: EventMemberLeave (forced): NAME ADDR  member-leave
//	[INFO] serf: EventMemberFailed: NAME ADDR          member-failed
//	[INFO] serf: EventMemberUpdate: NAME               member-update
//	[INFO] memberlist: Suspect NAME has failed, no acks received   member-suspect
//
// (memberlist logs a suspicion only on the node whose probe failed). User
// events are not logged with their payload; they are read from the
// "Event Info:" block the monitor prints from the agent's event stream,
// which is not coalesced for events sent with -coalesce=false. Every
// other line is ignored. The parser keeps the state of a block across
// lines: feed it one stream's lines in order.
type MonitorParser struct {
	// Nonce, when set, keeps only the user events whose payload is
	// "SENDER NONCE" (see AgentCLI.EventCmd); the entry's node is SENDER.
	Nonce string
	// Since, when set, is the node's time before the monitor started, as
	// Serf's log lines begin ("2006/01/02 15:04:05", the node's local
	// time): earlier lines are the backlog the agent replays to a new
	// monitor, and are skipped. (Lines of that same second are told apart
	// by when they arrive: see the engine's quiet period.)
	Since string

	inBlock bool
	block   map[string]string
}

// logPrefixes map Serf's log messages to entry types; the member's name
// is the first word after the prefix.
var logPrefixes = []struct{ prefix, typ string }{
	{"serf: EventMemberJoin: ", EventJoin},
	{"serf: EventMemberLeave: ", EventLeave},
	{"serf: EventMemberLeave (forced): ", EventLeave},
	{"serf: EventMemberFailed: ", EventFailed},
	{"serf: EventMemberUpdate: ", EventUpdate},
	{"memberlist: Suspect ", EventSuspect},
}

// Line reads one line (without its newline) and returns the entry it
// completes, if any. The entry has Type and Node; the caller stamps it.
func (p *MonitorParser) Line(line string) (Entry, bool) {
	line = strings.TrimRight(line, "\r")
	if p.inBlock {
		if key, val, ok := strings.Cut(strings.TrimPrefix(line, "\t"), ": "); ok && strings.HasPrefix(line, "\t") {
			p.block[key] = val
			return p.userEvent()
		}
		p.inBlock = false
	}
	if line == "Event Info:" {
		p.inBlock, p.block = true, map[string]string{}
		return Entry{}, false
	}
	// "2026/11/27 14:05:41 [INFO] serf: EventMemberFailed: web_2 192.168.56.12"
	stamp, msg, ok := strings.Cut(line, " [INFO] ")
	if !ok || p.Since != "" && len(stamp) == len(p.Since) && stamp < p.Since {
		return Entry{}, false
	}
	for _, lp := range logPrefixes {
		rest, ok := strings.CutPrefix(msg, lp.prefix)
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, " ")
		if name == "" || lp.typ == EventSuspect && !strings.HasSuffix(rest, " has failed, no acks received") {
			return Entry{}, false
		}
		return Entry{Entry: rpc.Entry{Type: lp.typ, Node: name}}, true
	}
	return Entry{}, false
}

// userEvent returns the user event of the current block once it has
// the fields needed: Event "user", Name lab-chaos, and the payload.
func (p *MonitorParser) userEvent() (Entry, bool) {
	ev, name, payload := p.block["Event"], p.block["Name"], p.block["Payload"]
	if ev == "" || name == "" || payload == "" {
		return Entry{}, false
	}
	if ev, err := strconv.Unquote(ev); err != nil || ev != "user" {
		return Entry{}, false
	}
	if name, err := strconv.Unquote(name); err != nil || name != UserEventName {
		return Entry{}, false
	}
	b, ok := parseGoBytes(payload)
	if !ok {
		return Entry{}, false
	}
	p.inBlock = false // one event per block
	sender, nonce, _ := strings.Cut(string(b), " ")
	if sender == "" || p.Nonce != "" && nonce != p.Nonce {
		return Entry{}, false
	}
	return Entry{Entry: rpc.Entry{Type: EventUser, Node: sender}}, true
}

// parseGoBytes reads a []byte as %#v prints it: []byte{0x77, 0x65},
// []byte{} or []byte(nil).
func parseGoBytes(s string) ([]byte, bool) {
	if s == "[]byte(nil)" {
		return nil, true
	}
	body, ok := strings.CutPrefix(s, "[]byte{")
	if !ok {
		return nil, false
	}
	if body, ok = strings.CutSuffix(body, "}"); !ok {
		return nil, false
	}
	var out []byte
	for f := range strings.SplitSeq(body, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.ParseUint(f, 0, 8)
		if err != nil {
			return nil, false
		}
		out = append(out, byte(v))
	}
	return out, true
}
