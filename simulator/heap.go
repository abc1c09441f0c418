package simulator

// event kinds of the engine's heap.
const (
	evGossip    uint8 = iota // a = node
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

// eventHeap is a 4-ary min-heap on (t, seq): shallower than a binary heap,
// which matters with 10^5 pending ticks. Beside it, a FIFO holds the
// timers set at now + ProbeTimeout (the bulk of the long-lived events
// while an update spreads): being pushed in time order, they need no heap.
type eventHeap struct {
	ev   []event
	fifo []event
	head int
	seq  uint64
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

func (h *eventHeap) len() int { return len(h.ev) + len(h.fifo) - h.head }

// next pops the earliest event of the heap and the FIFO.
func (h *eventHeap) next() event {
	if h.head < len(h.fifo) {
		f := &h.fifo[h.head]
		if len(h.ev) == 0 || f.t < h.ev[0].t || f.t == h.ev[0].t && f.seq < h.ev[0].seq {
			h.head++
			return *f
		}
	}
	return h.pop()
}

func (h *eventHeap) less(i, j int) bool {
	a, b := &h.ev[i], &h.ev[j]
	if a.t != b.t {
		return a.t < b.t
	}
	return a.seq < b.seq
}

func (h *eventHeap) push(e event) {
	h.seq++
	e.seq = h.seq
	h.ev = append(h.ev, e)
	i := len(h.ev) - 1
	for i > 0 {
		p := (i - 1) / 4
		if !h.less(i, p) {
			break
		}
		h.ev[i], h.ev[p] = h.ev[p], h.ev[i]
		i = p
	}
}

func (h *eventHeap) pop() event {
	top := h.ev[0]
	n := len(h.ev) - 1
	h.ev[0] = h.ev[n]
	h.ev = h.ev[:n]
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		for k := c + 1; k < c+4 && k < n; k++ {
			if h.less(k, m) {
				m = k
			}
		}
		if !h.less(m, i) {
			break
		}
		h.ev[i], h.ev[m] = h.ev[m], h.ev[i]
		i = m
	}
	return top
}
