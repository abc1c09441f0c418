package agent

import (
	"encoding/binary"
	"errors"
	"net/netip"

	"github.com/hashicorp/memberlist"
)

// The agent's own gossip messages, carried in memberlist's user-message
// broadcasts. Format: one type byte, then uvarint-prefixed fields.
const (
	msgUserEvent   byte = 1
	msgLeaveIntent byte = 2
	msgLeaveAck    byte = 5 // 3 and 4 are the key messages (keyquery.go)
)

// UserEvent is a user event as delivered to this agent.
type UserEvent struct {
	LTime    uint64
	Name     string
	Payload  []byte
	Coalesce bool
	Origin   string // the agent that sent it
}

// leaveIntent announces that Node (in its run Boot) leaves; Force marks a
// force-leave of a failed member issued by another agent; Ack asks the
// receiver to answer with a leaveAck (set on the copies the leaver sends
// directly, never on gossiped ones), at Addr, the leaver's gossip address,
// which the direct copies carry for a receiver that never learned of the
// leaver (it missed its join: memberlist's retransmit limit).
type leaveIntent struct {
	Node  string
	Boot  int64
	Force bool
	Ack   bool
	Addr  netip.AddrPort // optional, last on the wire: older agents ignore it
}

// leaveAck tells the leaver Node (run Boot) that member From has recorded
// its leave intent.
type leaveAck struct {
	Node string
	Boot int64
	From string
}

// Flag bits of a leave intent. Agents before the ack read the byte as
// "force" only when it is exactly 1, so the ack bit is ignored by them.
const (
	intentForce byte = 1 << iota
	intentAck
)

var errShortMessage = errors.New("malformed agent message")

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendString(b []byte, v string) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShortMessage
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = errShortMessage
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func encodeUserEvent(e UserEvent) []byte {
	b := []byte{msgUserEvent}
	b = binary.AppendUvarint(b, e.LTime)
	c := byte(0)
	if e.Coalesce {
		c = 1
	}
	b = append(b, c)
	b = appendString(b, e.Name)
	b = appendBytes(b, e.Payload)
	return appendString(b, e.Origin)
}

func decodeUserEvent(b []byte) (UserEvent, error) {
	if len(b) < 2 || b[0] != msgUserEvent {
		return UserEvent{}, errShortMessage
	}
	r := reader{b: b[1:]}
	var e UserEvent
	e.LTime = r.uvarint()
	if r.err == nil && len(r.b) > 0 {
		e.Coalesce = r.b[0] == 1
		r.b = r.b[1:]
	} else {
		r.err = errShortMessage
	}
	e.Name = string(r.bytes())
	e.Payload = append([]byte(nil), r.bytes()...)
	e.Origin = string(r.bytes())
	return e, r.err
}

func encodeLeaveIntent(l leaveIntent) []byte {
	b := []byte{msgLeaveIntent}
	b = binary.AppendUvarint(b, uint64(l.Boot))
	f := byte(0)
	if l.Force {
		f |= intentForce
	}
	if l.Ack {
		f |= intentAck
	}
	b = append(b, f)
	b = appendString(b, l.Node)
	if l.Addr.IsValid() {
		b = appendString(b, l.Addr.String())
	}
	return b
}

func decodeLeaveIntent(b []byte) (leaveIntent, error) {
	if len(b) < 2 || b[0] != msgLeaveIntent {
		return leaveIntent{}, errShortMessage
	}
	r := reader{b: b[1:]}
	var l leaveIntent
	l.Boot = int64(r.uvarint())
	if r.err == nil && len(r.b) > 0 {
		l.Force = r.b[0]&intentForce != 0
		l.Ack = r.b[0]&intentAck != 0
		r.b = r.b[1:]
	} else {
		r.err = errShortMessage
	}
	l.Node = string(r.bytes())
	if r.err == nil && len(r.b) > 0 {
		addr, err := netip.ParseAddrPort(string(r.bytes()))
		if err != nil && r.err == nil {
			r.err = errShortMessage
		}
		l.Addr = addr
	}
	return l, r.err
}

func encodeLeaveAck(k leaveAck) []byte {
	b := []byte{msgLeaveAck}
	b = binary.AppendUvarint(b, uint64(k.Boot))
	b = appendString(b, k.Node)
	return appendString(b, k.From)
}

func decodeLeaveAck(b []byte) (leaveAck, error) {
	if len(b) < 2 || b[0] != msgLeaveAck {
		return leaveAck{}, errShortMessage
	}
	r := reader{b: b[1:]}
	var k leaveAck
	k.Boot = int64(r.uvarint())
	k.Node = string(r.bytes())
	k.From = string(r.bytes())
	return k, r.err
}

// broadcast is one queued agent message; a newer message about the same
// key (event ltime+name, or node) replaces an older one in the queue.
type broadcast struct {
	key    string
	msg    []byte
	notify chan struct{}
}

var _ memberlist.NamedBroadcast = (*broadcast)(nil)

func (b *broadcast) Invalidates(other memberlist.Broadcast) bool {
	o, ok := other.(*broadcast)
	return ok && o.key == b.key
}
func (b *broadcast) Name() string    { return b.key }
func (b *broadcast) Message() []byte { return b.msg }
func (b *broadcast) Finished() {
	if b.notify != nil {
		close(b.notify)
	}
}
