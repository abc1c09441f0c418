package simulator

import (
	"math"
	"slices"
)

// msgKind is the type of a broadcast message (memberlist's aliveMsg,
// suspectMsg, deadMsg; Serf's user event).
type msgKind uint8

const (
	mAlive msgKind = iota
	mSuspect
	mDead // dead with From != Node; with From == Node it is a leave
	mUser
	mIntent // Serf's leave intent (messageLeave)
)

// serf tells Serf's messages, which Serf queues apart from memberlist's
// (unique, never replaced by a memberlist broadcast about the same node).
func (k msgKind) serf() bool { return k == mUser || k == mIntent }

// Encoded sizes in bytes (msgpack with short node names, as measured on
// memberlist v0.7.0 messages); they only matter for the packet budget.
const (
	aliveSize   = 70
	suspectSize = 45
	deadSize    = 45
	pingSize    = 45
	ackSize     = 12
	intentSize  = 30 // Serf's messageLeave: LTime, Node, Prune
	indSize     = 60
	// net.go: compoundHeaderOverhead and compoundOverhead.
	compoundHeaderOverhead = 2
	compoundOverhead       = 2
)

// message is an immutable broadcast; nodes that rebroadcast what they heard
// share it (memberlist re-encodes the same fields).
type message struct {
	kind    msgKind
	subject int32
	inc     uint32
	from    int32
	size    int32
}

type msgKey struct {
	kind    msgKind
	subject int32
	inc     uint32
	from    int32
}

// outbox is a node's TransmitLimitedQueue and gossip ticker. A queue of
// one message, the common case, lives in first: a gossip tick then reads
// one cache line.
type outbox struct {
	queue     []qitem // sorted by qless
	first     [1]qitem
	gossipAt  int64 // phase of the gossip ticker in [0, GossipInterval)
	place     int32 // index in engine.outs
	scheduled bool  // a gossip tick is pending
}

// qitem is one entry of a node's TransmitLimitedQueue (queue.go:
// limitedBroadcast).
type qitem struct {
	msg int32
	tx  int32
	id  int64
}

// filler stands for the joiner's N alive messages about the members it
// learned by its join push/pull (state.go: mergeState -> aliveNode ->
// encodeBroadcastNotify). Receivers ignore them (same incarnation), but they
// take the joiner's packet budget and, being newer, go out before its own
// alive message (queue.go: limitedBroadcast.Less orders by transmits, then
// size, then newest id first). Counts per transmit level.
type filler struct {
	node  int32
	id    int64
	count []int32
}

// retransmitLimit is util.go: retransmitLimit.
func retransmitLimit(mult, n int) int {
	return mult * int(math.Ceil(math.Log10(float64(n+1))))
}

// retransmitLimit is retransmitLimit for a node that knows nn members:
// nn is N or N+1 but for a joiner before its join, so those two are
// computed once.
func (e *engine) retransmitLimit(nn int) int32 {
	if k := nn - e.sc.N; k == 0 || k == 1 {
		if e.limits[k] == 0 {
			e.limits[k] = int32(retransmitLimit(e.cfg.RetransmitMult, nn))
		}
		return e.limits[k]
	}
	return int32(retransmitLimit(e.cfg.RetransmitMult, nn))
}

func (e *engine) msgID(k msgKind, subject int32, inc uint32, from int32) int32 {
	key := msgKey{k, subject, inc, from}
	if id, ok := e.msgIdx[key]; ok {
		return id
	}
	size := int32(aliveSize)
	switch k {
	case mSuspect:
		size = suspectSize
	case mDead:
		size = deadSize
	case mUser:
		size = int32(e.userBytes)
	case mIntent:
		size = intentSize
	}
	e.msgs = append(e.msgs, message{kind: k, subject: subject, inc: inc, from: from, size: size})
	id := int32(len(e.msgs) - 1)
	e.msgIdx[key] = id
	return id
}

// enqueue is queue.go: QueueBroadcast. memberlist's broadcasts are named
// after the node they are about, so a new one replaces the older one
// (broadcast.go: memberlistBroadcast.Name); user events are unique.
func (e *engine) enqueue(i int32, msg int32) {
	n := e.box(i)
	m := e.msgs[msg]
	if !m.kind.serf() {
		q := n.queue[:0]
		for _, it := range n.queue {
			o := e.msgs[it.msg]
			if !o.kind.serf() && o.subject == m.subject {
				e.finished(i, it.msg)
				continue
			}
			q = append(q, it)
		}
		e.setQueue(i, n, q)
	}
	e.qid++
	it := qitem{msg: msg, id: e.qid}
	k, _ := slices.BinarySearchFunc(n.queue, it, func(a, b qitem) int {
		if e.qless(a, b) {
			return -1
		}
		return 1
	})
	e.setQueue(i, n, slices.Insert(n.queue, k, it))
	e.wakeGossip(i, n)
}

// finished is limitedBroadcast.b.Finished(): it only matters for a leaving
// node, whose Serf Leave goes on to memberlist's Leave once its intent has
// been sent out (serf.go: Leave waits on the broadcast's notify channel),
// and whose memberlist Leave returns (and which the harness then shuts
// down) once its leave message has been sent out (memberlist.go: Leave).
func (e *engine) finished(i int32, msg int32) {
	m := e.msgs[msg]
	switch {
	case m.kind == mIntent && m.subject == i && !e.node(i).left:
		// Not now: the queue is being rebuilt by getBroadcasts.
		e.h.push(event{t: e.now, kind: evLeave, a: i})
	case m.kind == mDead && m.subject == i && m.from == i && e.node(i).left:
		e.down(i)
	}
}

// getBroadcasts is queue.go: TransmitLimitedQueue.GetBroadcasts: take the
// fewest-transmitted, then largest, then newest messages that fit in limit
// bytes, count one transmit each and drop those reaching
// retransmitLimit(RetransmitMult, estNumNodes). It appends message ids to
// dst and returns it with the bytes used. n is i's outbox, or nil.
func (e *engine) getBroadcasts(i int32, n *outbox, overhead, limit int, dst []int32) ([]int32, int) {
	if e.queueEmpty(i) {
		return dst, 0 // from the bitset, without reading the outbox
	}
	if n == nil {
		n = e.box(i)
	}
	f := e.fillerOf(i)
	lim := e.retransmitLimit(e.numNodes(i))
	q := n.queue
	if f == nil && len(q) == 1 {
		return e.getOnly(i, n, overhead, limit, lim, dst)
	}
	// n.queue is kept sorted by qless (enqueue inserts in place, the
	// merge below puts sent messages back), so no sort is needed here.
	used := 0
	var moved []int32 // filler counts moving up one level
	if f != nil {
		moved = make([]int32, len(f.count)+1)
	}
	take := func(size int) bool {
		free := limit - used - overhead
		if free <= 0 || size > free {
			return false
		}
		used += overhead + size
		return true
	}
	takeFiller := func(level int) {
		for f.count[level] > 0 && take(aliveSize) {
			f.count[level]--
			moved[level+1]++
		}
	}
	fl := 0 // next filler level to consider
	for k := range q {
		if limit-used-overhead < deadSize {
			break // nothing fits any more (dead and suspect are the smallest)
		}
		it := &q[k]
		if f != nil {
			for ; fl < len(f.count) && (int32(fl) < it.tx || int32(fl) == it.tx && e.fillerFirst(f, *it)); fl++ {
				takeFiller(fl)
			}
		}
		if take(int(e.msgs[it.msg].size)) {
			dst = append(dst, it.msg)
			it.tx = -1 - (it.tx + 1) // mark taken, keep new count
		}
	}
	if f != nil {
		for ; fl < len(f.count); fl++ {
			takeFiller(fl)
		}
		for l := 1; l < len(moved); l++ {
			if moved[l] == 0 {
				continue
			}
			if int32(l) >= lim {
				continue // dropped, transmit limit reached
			}
			for len(f.count) <= l {
				f.count = append(f.count, 0)
			}
			f.count[l] += moved[l]
		}
		if e.fillerEmpty(f) {
			e.filler = nil
		}
	}
	// Sent messages keep their relative order with one more transmit, so
	// the queue is the merge of the unsent and the sent, both sorted.
	sent := e.qbuf[:0]
	kept := q[:0]
	for _, it := range q {
		if it.tx >= 0 {
			kept = append(kept, it)
			continue
		}
		it.tx = -1 - it.tx
		if it.tx >= lim {
			e.finished(i, it.msg)
			continue
		}
		sent = append(sent, it)
	}
	e.qbuf = sent
	merged := e.qmerge[:0]
	a, b := 0, 0
	for a < len(kept) || b < len(sent) {
		if b == len(sent) || a < len(kept) && !e.qless(sent[b], kept[a]) {
			merged = append(merged, kept[a])
			a++
		} else {
			merged = append(merged, sent[b])
			b++
		}
	}
	e.qmerge = merged
	out := append(q[:0], merged...)
	e.setQueue(i, n, out)
	return dst, used
}

// getOnly is getBroadcasts for a queue of one message and no filler, the
// common case at large N: the same outcome without the sorting machinery.
func (e *engine) getOnly(i int32, n *outbox, overhead, limit int, lim int32, dst []int32) ([]int32, int) {
	q := n.queue
	it := &q[0]
	size := int(e.msgs[it.msg].size)
	if free := limit - overhead; free < deadSize || size > free {
		return dst, 0
	}
	dst = append(dst, it.msg)
	it.tx++
	if it.tx >= lim {
		msg := it.msg
		e.setQueue(i, n, q[:0])
		e.finished(i, msg)
	}
	return dst, overhead + size
}

// qless is limitedBroadcast.Less: fewer transmits, then larger, then newer.
func (e *engine) qless(a, b qitem) bool {
	if a.tx != b.tx {
		return a.tx < b.tx
	}
	sa, sb := e.msgs[a.msg].size, e.msgs[b.msg].size
	if sa != sb {
		return sa > sb
	}
	return a.id > b.id
}

// fillerFirst reports whether fillers at it's level sort before it.
func (e *engine) fillerFirst(f *filler, it qitem) bool {
	s := e.msgs[it.msg].size
	if s != aliveSize {
		return aliveSize > s
	}
	return f.id > it.id
}

func (e *engine) fillerOf(i int32) *filler {
	if e.filler != nil && e.filler.node == i {
		return e.filler
	}
	return nil
}

func (e *engine) fillerEmpty(f *filler) bool {
	for _, c := range f.count {
		if c > 0 {
			return false
		}
	}
	return true
}

func (e *engine) queueEmpty(i int32) bool {
	return !e.queued.get(i) && e.fillerOf(i) == nil
}

// setQueue replaces the queue of node i (outbox o), keeping e.queued in
// step.
func (e *engine) setQueue(i int32, o *outbox, q []qitem) {
	o.queue = q
	e.queued.set(i, len(q) > 0)
}
