package simulator

import (
	"math"
	"math/bits"
)

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
	heads           []head // per queue (qPackets...), its earliest event
	packets, gossip wheel
	fifo            []event
	fifoHead        int
	near, far       []event
	slots           []event
	seq             uint64
	now             int64
	n               int // events held
}

// The queues, by index in eventHeap.heads; calendar slot k is qSlots+k.
const (
	qPackets = iota
	qGossip
	qFifo
	qNear
	qFar
	qSlots
)

// head is the (t, seq) of a queue's earliest event; t = noEvent when the
// queue is empty. next compares these few heads, kept up to date by every
// push and pop, instead of looking into every queue.
type head struct {
	t   int64
	seq uint64
}

const noEvent = math.MaxInt64

// farAfter is how far ahead an event goes to the far heap (ns).
const farAfter = int64(2e9)

// newEventHeap returns a queue for packets taking at most maxLatency,
// gossip ticks every gossipInterval and slots calendars.
func newEventHeap(maxLatency, gossipInterval int64, slots int) eventHeap {
	h := eventHeap{packets: newWheel(maxLatency), gossip: newWheel(gossipInterval), slots: make([]event, slots),
		heads: make([]head, qSlots+slots)}
	for q := range h.heads {
		h.heads[q].t = noEvent
	}
	return h
}

// stamp gives e the next seq and counts it in.
func (h *eventHeap) stamp(e *event) {
	h.seq++
	e.seq = h.seq
	h.n++
}

// offer records e, just added to queue q, as q's head if it is earlier.
// (An event never ties with its queue's head on t and comes before it: its
// seq is the newest.)
func (h *eventHeap) offer(q int, e *event) {
	if e.t < h.heads[q].t {
		h.heads[q] = head{e.t, e.seq}
	}
}

// push adds an event at e.t >= now.
func (h *eventHeap) push(e event) {
	h.stamp(&e)
	switch {
	case e.kind == evPacket:
		h.packets.push(e)
		h.offer(qPackets, &e)
	case e.kind == evGossip:
		h.gossip.push(e)
		h.offer(qGossip, &e)
	case e.t-h.now > farAfter:
		h.far = heapPush(h.far, e)
		h.offer(qFar, &e)
	default:
		h.near = heapPush(h.near, e)
		h.offer(qNear, &e)
	}
}

// pushTimeout adds an event at now + ProbeTimeout (times never decrease).
func (h *eventHeap) pushTimeout(e event) {
	h.stamp(&e)
	if h.fifoHead > 4096 && h.fifoHead*2 > len(h.fifo) {
		h.fifo = append(h.fifo[:0], h.fifo[h.fifoHead:]...)
		h.fifoHead = 0
	}
	h.fifo = append(h.fifo, e)
	h.offer(qFifo, &e)
}

// setSlot makes e the pending event of calendar slot k (which must be
// empty), with the seq a push at this moment would give it.
func (h *eventHeap) setSlot(k int, e event) {
	h.stamp(&e)
	h.slots[k] = e
	h.heads[qSlots+k] = head{e.t, e.seq}
}

func (h *eventHeap) len() int { return h.n }

// next pops the earliest event of all queues; len must be > 0.
func (h *eventHeap) next() event {
	q := 0
	for k := 1; k < len(h.heads); k++ {
		if a, b := &h.heads[k], &h.heads[q]; a.t < b.t || a.t == b.t && a.seq < b.seq {
			q = k
		}
	}
	var e event
	switch q {
	case qPackets:
		e = h.packets.pop()
		h.heads[q] = h.packets.head()
	case qGossip:
		e = h.gossip.pop()
		h.heads[q] = h.gossip.head()
	case qFifo:
		e = h.fifo[h.fifoHead]
		h.fifoHead++
		h.heads[q] = head{t: noEvent}
		if h.fifoHead < len(h.fifo) {
			f := &h.fifo[h.fifoHead]
			h.heads[q] = head{f.t, f.seq}
		}
	case qNear:
		e = h.near[0]
		h.near = heapPop(h.near)
		h.heads[q] = heapHead(h.near)
	case qFar:
		e = h.far[0]
		h.far = heapPop(h.far)
		h.heads[q] = heapHead(h.far)
	default:
		e = h.slots[q-qSlots]
		h.heads[q] = head{t: noEvent}
	}
	h.n--
	h.now = e.t
	return e
}

func heapHead(ev []event) head {
	if len(ev) == 0 {
		return head{t: noEvent}
	}
	return head{ev[0].t, ev[0].seq}
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

// head returns the earliest event's (t, seq), t = noEvent when empty,
// and moves cur to its slot.
func (w *wheel) head() head {
	if w.n == 0 {
		return head{t: noEvent}
	}
	s := w.cur % wheelSlots
	if len(w.slot[s]) == 0 {
		s = w.nextUsed(s)
		w.cur += (s - w.cur%wheelSlots + wheelSlots) % wheelSlots
	}
	e := &w.slot[s][0]
	return head{e.t, e.seq}
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

// pop removes and returns the earliest event; head must have been
// called since the last push or pop (next does), so that cur is its slot.
func (w *wheel) pop() event {
	s := w.cur % wheelSlots
	e := w.slot[s][0]
	w.slot[s] = heapPop(w.slot[s])
	if len(w.slot[s]) == 0 {
		w.used[s/64] &^= 1 << (s % 64)
	}
	w.n--
	return e
}
