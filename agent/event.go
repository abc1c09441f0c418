package agent

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// lamportClock is a Lamport clock for user events.
type lamportClock struct{ t atomic.Uint64 }

func (c *lamportClock) Time() uint64      { return c.t.Load() }
func (c *lamportClock) Increment() uint64 { return c.t.Add(1) }

// Witness moves the clock past an observed time.
func (c *lamportClock) Witness(v uint64) {
	for {
		cur := c.t.Load()
		if v < cur || c.t.CompareAndSwap(cur, v+1) {
			return
		}
	}
}

// encodeState is the push/pull payload: the event clock, the left
// members as (boot, name) pairs, then the most recent user events as
// their encoded messages (as Serf's push/pull carries its event buffer),
// so that a member that missed one in the gossip still gets it.
func encodeState(clock uint64, left []leaveIntent, events [][]byte) []byte {
	b := binary.AppendUvarint(nil, clock)
	b = binary.AppendUvarint(b, uint64(len(left)))
	for _, l := range left {
		b = binary.AppendUvarint(b, uint64(l.Boot))
		b = appendString(b, l.Node)
	}
	b = binary.AppendUvarint(b, uint64(len(events)))
	for _, e := range events {
		b = appendBytes(b, e)
	}
	return b
}

// decodeState reads encodeState's payload; one without the events (an
// older agent's) has none.
func decodeState(b []byte) (uint64, []leaveIntent, [][]byte, error) {
	r := reader{b: b}
	clock := r.uvarint()
	n := r.uvarint()
	var left []leaveIntent
	for i := uint64(0); i < n && r.err == nil; i++ {
		boot := int64(r.uvarint())
		name := string(r.bytes())
		left = append(left, leaveIntent{Node: name, Boot: boot})
	}
	var events [][]byte
	if r.err == nil && len(r.b) > 0 {
		n := r.uvarint()
		for i := uint64(0); i < n && r.err == nil; i++ {
			events = append(events, append([]byte(nil), r.bytes()...))
		}
	}
	return clock, left, events, r.err
}

// leftMembers lists the members this agent knows have left.
func (a *Agent) leftMembers() []leaveIntent {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []leaveIntent
	for _, m := range a.members {
		if m.Status == StatusLeft && m.Name != a.cfg.NodeName {
			out = append(out, leaveIntent{Node: m.Name, Boot: m.boot})
		}
	}
	return out
}

// mergeLeft applies another agent's knowledge that l left: a member this
// agent holds as failed (in the same run) becomes left.
func (a *Agent) mergeLeft(l leaveIntent) {
	a.mu.Lock()
	m := a.members[l.Node]
	if m == nil || m.boot != l.Boot || m.Status != StatusFailed {
		a.mu.Unlock()
		return
	}
	m.Status, m.Since, m.intent = StatusLeft, time.Now(), true
	mem := m.copyOut()
	a.mu.Unlock()
	a.journal.Append(Entry{Type: EntryMemberLeave, Node: mem.Name, Addr: mem.AddrPort})
	a.handlers.enqueue(handlerEvent{typ: EntryMemberLeave, members: []Member{mem}})
	if a.snap != nil {
		a.snap.dirty()
	}
}

const eventBufferSize = 512

// pushPullEvents is how many of the most recent user events a push/pull
// carries.
const pushPullEvents = 64

type eventID struct {
	origin, name string
}

// eventBuffer remembers recent user events by Lamport time, so gossip
// retransmissions are delivered once.
type eventBuffer struct {
	clock lamportClock
	mu    sync.Mutex
	slots [eventBufferSize]struct {
		ltime uint64
		ids   []eventID
		raw   [][]byte // the encoded events, by ids' index
	}
}

// markSeen reports whether e is new, and records it with its encoding.
func (b *eventBuffer) markSeen(e UserEvent, raw []byte) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now := b.clock.Time(); now > eventBufferSize && e.LTime < now-eventBufferSize {
		return false // too old to tell: Serf drops these too
	}
	s := &b.slots[e.LTime%eventBufferSize]
	if s.ltime != e.LTime {
		s.ltime, s.ids, s.raw = e.LTime, s.ids[:0], s.raw[:0]
	}
	id := eventID{origin: e.Origin, name: e.Name}
	for _, x := range s.ids {
		if x == id {
			return false
		}
	}
	s.ids = append(s.ids, id)
	s.raw = append(s.raw, raw)
	return true
}

// recent returns the encoded events of the last n Lamport times that the
// buffer holds, at most n of them (the newest), oldest first.
func (b *eventBuffer) recent(n int) [][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Time()
	var out [][]byte
	for t := now - min(now, uint64(n)); t <= now; t++ {
		if s := &b.slots[t%eventBufferSize]; s.ltime == t && t > 0 {
			out = append(out, s.raw...)
		}
	}
	return out[max(0, len(out)-n):]
}

// UserEvent broadcasts a user event to the cluster with the next Lamport
// time. It is delivered to this agent's journal and handlers too.
// len(name)+len(payload) must not exceed Config.UserEventSizeLimit.
func (a *Agent) UserEvent(name string, payload []byte, coalesce bool) error {
	if _, err := a.running(); err != nil {
		return err
	}
	if name == "" {
		return errors.New("user event needs a name")
	}
	if n := len(name) + len(payload); n > a.cfg.UserEventSizeLimit {
		return hint.Errorf("send a smaller payload, such as a reference to data kept elsewhere", "user event %q is %d bytes (name + payload), over the limit of %d", name, n, a.cfg.UserEventSizeLimit)
	}
	e := UserEvent{
		LTime:    a.events.clock.Increment(),
		Name:     name,
		Payload:  append([]byte(nil), payload...),
		Coalesce: coalesce,
		Origin:   a.cfg.NodeName,
	}
	a.receiveUserEvent(e, encodeUserEvent(e))
	return nil
}

func (a *Agent) receiveUserEvent(e UserEvent, raw []byte) {
	a.events.clock.Witness(e.LTime)
	if !a.events.markSeen(e, append([]byte(nil), raw...)) {
		return
	}
	var from netip.AddrPort
	a.mu.Lock()
	if m := a.members[e.Origin]; m != nil {
		from = m.AddrPort
	}
	a.mu.Unlock()
	a.journal.Append(Entry{Type: EntryUser, Node: e.Origin, Addr: from, Name: e.Name, LTime: e.LTime})
	a.queue.QueueBroadcast(&broadcast{
		key: "event:" + strconv.FormatUint(e.LTime, 10) + ":" + e.Origin + ":" + e.Name,
		msg: append([]byte(nil), raw...),
	})
	a.handlers.enqueue(handlerEvent{typ: EntryUser, user: &e})
}

// receiveLeaveIntent applies a member's leave intent (or a force-leave):
// an alive member becomes leaving, a failed one left. The intent is
// remembered for the member's run (memberState.intent), so that a
// member-failed for it is recorded as left even if memberlist revived the
// member in between. An intent asking for it is acknowledged, whatever
// the member's status here, so the leaver knows it can go; a changed
// status is gossiped on.
func (a *Agent) receiveLeaveIntent(l leaveIntent) {
	if l.Node == a.cfg.NodeName {
		return
	}
	a.mu.Lock()
	m := a.members[l.Node]
	if m == nil || m.boot != l.Boot {
		// A leaver this agent never learned of, or knows only from an
		// earlier run (it missed the join): nothing to record, but the
		// leaver must not wait for us.
		ml := a.ml
		a.mu.Unlock()
		if ml != nil && l.Ack && !l.Force && l.Addr.IsValid() {
			to := newMember(l.Node, l.Addr)
			to.Protocol.Max = memberlist.ProtocolVersionMax
			a.sendLeaveAck(ml, to, l)
		}
		return
	}
	if !l.Force {
		m.intent = true
	}
	var typ EntryType
	changed := true
	switch {
	case m.Status == StatusAlive && !l.Force:
		m.Status, m.Since = StatusLeaving, time.Now()
	case m.Status == StatusFailed:
		m.Status, m.Since = StatusLeft, time.Now()
		typ = EntryMemberLeave
	default:
		changed = false
	}
	mem := m.copyOut()
	ml := a.ml
	a.mu.Unlock()
	if l.Ack && !l.Force && ml != nil {
		a.sendLeaveAck(ml, mem, l)
	}
	if !changed {
		return
	}
	if typ != 0 {
		a.journal.Append(Entry{Type: typ, Node: mem.Name, Addr: mem.AddrPort})
		a.handlers.enqueue(handlerEvent{typ: typ, members: []Member{mem}})
		if a.snap != nil {
			a.snap.dirty()
		}
	}
	// Gossip it on without the ack request: only the copies the leaver
	// sends itself ask for an answer.
	l.Ack = false
	a.queue.QueueBroadcast(&broadcast{key: "intent:" + l.Node, msg: encodeLeaveIntent(l)})
}

// ForceLeave moves a failed member to left on every agent (it stops being
// reconnected and is reaped after the tombstone window).
func (a *Agent) ForceLeave(node string) error {
	if _, err := a.running(); err != nil {
		return err
	}
	a.mu.Lock()
	m := a.members[node]
	if m == nil {
		a.mu.Unlock()
		return hint.Errorf("see `labagent members` for the names", "force-leave: no member named %q", node)
	}
	if m.Status != StatusFailed {
		st := m.Status
		a.mu.Unlock()
		if st == StatusLeft {
			return nil
		}
		return hint.Errorf("force-leave only removes failed members; stop the agent there to make it leave", "force-leave: member %q is %s, not failed", node, st)
	}
	l := leaveIntent{Node: node, Boot: m.boot, Force: true}
	a.mu.Unlock()
	a.receiveLeaveIntent(l)
	return nil
}
