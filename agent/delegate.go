package agent

import (
	"time"

	"github.com/hashicorp/memberlist"
)

// delegate receives memberlist's callbacks. They run on memberlist's
// goroutines, some with memberlist's node lock held: they must not call
// back into memberlist and must not block.
type delegate struct{ a *Agent }

var (
	_ memberlist.Delegate         = (*delegate)(nil)
	_ memberlist.EventDelegate    = (*delegate)(nil)
	_ memberlist.ConflictDelegate = (*delegate)(nil)
)

func (d *delegate) NodeMeta(limit int) []byte {
	a := d.a
	a.mu.Lock()
	b, err := encodeMeta(a.boot, a.tags)
	a.mu.Unlock()
	if err != nil || len(b) > limit {
		a.logger.Error("tags do not fit in node metadata; gossiping none", "err", err)
		b, _ = encodeMeta(a.boot, nil)
	}
	return b
}

func (d *delegate) NotifyMsg(b []byte) {
	if len(b) == 0 {
		return
	}
	switch b[0] {
	case msgUserEvent:
		e, err := decodeUserEvent(b)
		if err != nil {
			d.a.logger.Warn("dropping malformed user event message", "err", err)
			return
		}
		d.a.receiveUserEvent(e, b)
	case msgLeaveIntent:
		l, err := decodeLeaveIntent(b)
		if err != nil {
			d.a.logger.Warn("dropping malformed leave intent", "err", err)
			return
		}
		d.a.receiveLeaveIntent(l)
	case msgLeaveAck:
		k, err := decodeLeaveAck(b)
		if err != nil {
			d.a.logger.Warn("dropping malformed leave acknowledgement", "err", err)
			return
		}
		d.a.receiveLeaveAck(k)
	case msgKeyRequest:
		r, err := decodeKeyRequest(b)
		if err != nil {
			d.a.logger.Warn("dropping malformed key request", "err", err)
			return
		}
		d.a.receiveKeyRequest(r)
	case msgKeyResponse:
		r, err := decodeKeyResponse(b)
		if err != nil {
			d.a.logger.Warn("dropping malformed key response", "err", err)
			return
		}
		d.a.receiveKeyResponse(r)
	default:
		d.a.logger.Debug("ignoring message of unknown type", "type", b[0])
	}
}

func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte {
	return d.a.queue.GetBroadcasts(overhead, limit)
}

// LocalState and MergeRemoteState carry, in push/pull syncs, the user
// event Lamport clock (so a new member's events order after what it
// missed) and the members this agent knows have left: a member that
// another agent saw leave is moved from failed to left here too, even if
// its leave intent never reached this agent.
func (d *delegate) LocalState(join bool) []byte {
	return encodeState(d.a.events.clock.Time(), d.a.leftMembers(), d.a.events.recent(pushPullEvents))
}

// MergeRemoteState also delivers the recent user events this agent has
// not seen (it missed them in the gossip), but not on its own join: like
// Serf without -replay, a new member does not replay the past.
func (d *delegate) MergeRemoteState(buf []byte, join bool) {
	clock, left, events, err := decodeState(buf)
	if err != nil {
		d.a.logger.Warn("dropping malformed push/pull state", "err", err)
		return
	}
	d.a.events.clock.Witness(clock)
	for _, l := range left {
		d.a.mergeLeft(l)
	}
	if join {
		for _, raw := range events { // known, so that gossip does not deliver them either
			if e, err := decodeUserEvent(raw); err == nil {
				d.a.events.markSeen(e, raw)
			}
		}
		return
	}
	for _, raw := range events {
		e, err := decodeUserEvent(raw)
		if err != nil {
			d.a.logger.Warn("dropping malformed user event from push/pull", "err", err)
			continue
		}
		d.a.receiveUserEvent(e, raw)
	}
}

func (d *delegate) NotifyJoin(n *memberlist.Node) {
	d.a.nodeAlive(n, EntryMemberJoin)
}

func (d *delegate) NotifyUpdate(n *memberlist.Node) {
	d.a.nodeAlive(n, EntryMemberUpdate)
}

func (d *delegate) NotifyLeave(n *memberlist.Node) {
	d.a.nodeGone(n)
}

func (d *delegate) NotifyConflict(existing, other *memberlist.Node) {
	d.a.nameConflict(existing, other)
}

// nodeAlive handles a join (alive after unknown, failed or left) or an
// update (tags changed).
func (a *Agent) nodeAlive(n *memberlist.Node, typ EntryType) {
	ms, err := memberFromNode(n)
	if err != nil {
		a.logger.Warn("member metadata unreadable", "node", n.Name, "err", err)
	}
	a.journal.Append(Entry{Type: typ, Node: n.Name, Addr: ms.AddrPort})
	now := time.Now()
	a.mu.Lock()
	old := a.members[n.Name]
	ms.Status, ms.Since = StatusAlive, now
	if typ == EntryMemberUpdate && old != nil && old.Status != StatusAlive {
		ms.Status, ms.Since = old.Status, old.Since
	}
	if old != nil && old.intent && old.boot == ms.boot {
		// The same run came back (it refuted a false failure while
		// announcing its leave): it is still on its way out.
		ms.intent = true
		if ms.Status == StatusAlive {
			ms.Status = StatusLeaving
		}
	}
	a.members[n.Name] = &ms
	self := a.addr
	a.mu.Unlock()
	if n.Name != a.cfg.NodeName && self.IsValid() && ms.AddrPort == self {
		a.addressConflict(n.Name, ms.AddrPort)
	}
	if a.snap != nil {
		a.snap.dirty()
	}
	a.handlers.enqueue(handlerEvent{typ: typ, members: []Member{ms.Member}})
}

// nodeGone handles memberlist's leave notification: left when this run
// of the member announced its leave, failed otherwise. (memberlist v0.7.0
// does not fill in n.State here, so its own "left" cannot be used: the
// leave intent is what tells a graceful leave from a crash.)
func (a *Agent) nodeGone(n *memberlist.Node) {
	ap := addrPort(n.Addr, n.Port)
	now := time.Now()
	a.mu.Lock()
	m := a.members[n.Name]
	if m == nil {
		ms, _ := memberFromNode(n)
		m = &ms
		a.members[n.Name] = m
	}
	typ, status := EntryMemberFailed, StatusFailed
	if m.Status == StatusLeaving || m.intent || n.Name == a.cfg.NodeName {
		typ, status = EntryMemberLeave, StatusLeft
	}
	m.Status, m.Since = status, now
	mem := m.copyOut()
	a.mu.Unlock()
	a.journal.Append(Entry{Type: typ, Node: n.Name, Addr: ap})
	if a.snap != nil {
		a.snap.dirty()
	}
	a.handlers.enqueue(handlerEvent{typ: typ, members: []Member{mem}})
}
