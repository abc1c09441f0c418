package simulator

import "math/bits"

// event kinds of the engine's queue.
const (
	evGossip    uint8 = iota // a = node, b = its place in outs
	evProbe                  // a = node (a joiner's; the others' run from calendars)
	evProbeTO                // a = node, c = seq: ProbeTimeout passed, go indirect
	evProbeEnd               // a = node, c = seq: probe interval passed, decide
	evIndTO                  // c = indirect seq: the helper's ack wait ran out
	evPacket                 // a = packet index
	evSuspTO                 // a = observer, b = subject, c = timer generation
	evPushPull               // a = node
	evPPMerge                // a = receiver, b = sender, c = 1 when it completes a join
	evReconnect              // a = node
	evInject                 // the scenario's event
	evHeal                   // the partition heals
	evCal                    // a = calendar index
	evLeave                  // a = node: its Serf leave intent is sent out, memberlist's Leave follows
)

// event is one timed action. seq breaks ties so that equal times pop in
// insertion order, which keeps runs deterministic.
type event struct {
	t    int64
	seq  uint64
	a, b int32
	c    uint32
	kind uint8
}

func (a *event) before(b *event) bool {
	return a.t < b.t || a.t == b.t && a.seq < b.seq
}

// eventHeap is the engine's queue of timed events, popped in (t, seq)
// order. The events live in several queues, each ordered on (t, seq), and
// next takes the earliest head; as every event gets its seq from one
// counter, the order is the same as one heap's, whichever queue holds an
// event. The split is for speed at large N, where one heap of millions of
// entries spends its time in cache misses:
//
//   - packets: a timing wheel of the packets in flight (due within the
//     longest one-way latency);
//   - gossip: a timing wheel of gossip ticks (one per node with something
//     to send, all due within one GossipInterval);
//   - fifo: the timers set at now + ProbeTimeout, pushed in time order;
//   - slots: one pending event per calendar (see calendar);
//   - near: a 4-ary heap of the other events due within farAfter;
//   - far: a 4-ary heap of the events due later (suspicion timers: one per
//     node and suspect in a crash).
type eventHeap struct {
	packets, gossip wheel
	fifo            []event
	head            int
	slots           []event // t < 0: empty
	near, far       []event
	seq             uint64
	now             int64
}

// farAfter is how far ahead an event goes to the far heap (ns).
const farAfter = int64(2e9)

// newEventHeap returns a queue for packets taking at most maxLatency,
// gossip ticks every gossipInterval and slots calendars.
func newEventHeap(maxLatency, gossipInterval int64, slots int) eventHeap {
	h := eventHeap{packets: newWheel(maxLatency), gossip: newWheel(gossipInterval), slots: make([]event, slots)}
	for k := range h.slots {
		h.slots[k].t = -1
	}
	return h
}

// push adds an event at e.t >= now.
func (h *eventHeap) push(e event) {
	h.seq++
	e.seq = h.seq
	switch {
	case e.kind == evPacket:
		h.packets.push(e)
	case e.kind == evGossip:
		h.gossip.push(e)
	case e.t-h.now > farAfter:
		h.far = heapPush(h.far, e)
	default:
		h.near = heapPush(h.near, e)
	}
}

// pushTimeout adds an event at now + ProbeTimeout (times never decrease).
func (h *eventHeap) pushTimeout(e event) {
	h.seq++
	e.seq = h.seq
	if h.head > 4096 && h.head*2 > len(h.fifo) {
		h.fifo = append(h.fifo[:0], h.fifo[h.head:]...)
		h.head = 0
	}
	h.fifo = append(h.fifo, e)
}

// setSlot makes e the pending event of slot k (which must be empty), with
// the seq a push at this moment would give it.
func (h *eventHeap) setSlot(k int, e event) {
	h.seq++
	e.seq = h.seq
	h.slots[k] = e
}

func (h *eventHeap) len() int {
	n := len(h.near) + len(h.far) + len(h.fifo) - h.head + h.packets.n + h.gossip.n
	for k := range h.slots {
		if h.slots[k].t >= 0 {
			n++
		}
	}
	return n
}

// next pops the earliest event of all queues; len must be > 0.
func (h *eventHeap) next() event {
	const (
		qNear = iota
		qFar
		qFifo
		qPackets
		qGossip
		qSlot
	)
	var best *event
	src, slot := -1, 0
	if len(h.near) > 0 {
		best, src = &h.near[0], qNear
	}
	if len(h.far) > 0 && (best == nil || h.far[0].before(best)) {
		best, src = &h.far[0], qFar
	}
	if h.head < len(h.fifo) && (best == nil || h.fifo[h.head].before(best)) {
		best, src = &h.fifo[h.head], qFifo
	}
	if p := h.packets.peek(); p != nil && (best == nil || p.before(best)) {
		best, src = p, qPackets
	}
	if g := h.gossip.peek(); g != nil && (best == nil || g.before(best)) {
		best, src = g, qGossip
	}
	for k := range h.slots {
		if s := &h.slots[k]; s.t >= 0 && (best == nil || s.before(best)) {
			best, src, slot = s, qSlot, k
		}
	}
	e := *best
	switch src {
	case qNear:
		h.near = heapPop(h.near)
	case qFar:
		h.far = heapPop(h.far)
	case qFifo:
		h.head++
	case qPackets:
		h.packets.pop()
	case qGossip:
		h.gossip.pop()
	case qSlot:
		h.slots[slot].t = -1
	}
	h.now = e.t
	return e
}

// heapPush adds e to the 4-ary min-heap ev (shallower than a binary heap).
func heapPush(ev []event, e event) []event {
	ev = append(ev, e)
	i := len(ev) - 1
	for i > 0 {
		p := (i - 1) / 4
		if !ev[i].before(&ev[p]) {
			break
		}
		ev[i], ev[p] = ev[p], ev[i]
		i = p
	}
	return ev
}

// heapPop removes the minimum ev[0] of the 4-ary min-heap ev.
func heapPop(ev []event) []event {
	n := len(ev) - 1
	ev[0] = ev[n]
	ev = ev[:n]
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		for k := c + 1; k < c+4 && k < n; k++ {
			if ev[k].before(&ev[m]) {
				m = k
			}
		}
		if !ev[m].before(&ev[i]) {
			break
		}
		ev[i], ev[m] = ev[m], ev[i]
		i = m
	}
	return ev
}

// wheel is a timing wheel for events due within one span after now (the
// longest latency, the gossip interval): slots of width ns, each a small 4-ary heap, and a
// bitmap of the non-empty ones. Events of one slot are close in time and
// in memory, so a push or pop touches a few cache lines instead of a path
// through a heap of every pending tick.
type wheel struct {
	width int64
	slot  [][]event
	used  []uint64 // bit s: slot s is not empty
	cur   int64    // absolute index (t / width) of the earliest event's slot
	n     int
}

// wheelSlots is the number of slots; they cover twice the span.
const wheelSlots = 4096

func newWheel(span int64) wheel {
	return wheel{
		width: max(1, 2*span/wheelSlots+1),
		slot:  make([][]event, wheelSlots),
		used:  make([]uint64, wheelSlots/64),
	}
}

// push adds e, due within the span after the earliest pending event or now.
func (w *wheel) push(e event) {
	b := e.t / w.width
	if w.n == 0 || b < w.cur {
		w.cur = b
	}
	s := b % wheelSlots
	w.slot[s] = heapPush(w.slot[s], e)
	w.used[s/64] |= 1 << (s % 64)
	w.n++
}

// peek returns the earliest event, nil when empty.
func (w *wheel) peek() *event {
	if w.n == 0 {
		return nil
	}
	s := w.cur % wheelSlots
	if len(w.slot[s]) == 0 {
		s = w.nextUsed(s)
		w.cur += (s - w.cur%wheelSlots + wheelSlots) % wheelSlots
	}
	return &w.slot[s][0]
}

// nextUsed returns the first non-empty slot after s, cyclically (s
// itself when no other is).
func (w *wheel) nextUsed(s int64) int64 {
	i := (s + 1) % wheelSlots
	for range wheelSlots/64 + 1 {
		if word := w.used[i/64] >> (i % 64); word != 0 {
			return i + int64(bits.TrailingZeros64(word))
		}
		i = (i/64 + 1) * 64 % wheelSlots
	}
	return s
}

// pop removes the event peek returned.
func (w *wheel) pop() {
	s := w.cur % wheelSlots
	w.slot[s] = heapPop(w.slot[s])
	if len(w.slot[s]) == 0 {
		w.used[s/64] &^= 1 << (s % 64)
	}
	w.n--
}
