package simulator

// start brings node i up at virtual time at (may be negative: before the
// recorded window) with its own ticker phases, as a memberlist.Create does
// (state.go: schedule; the tickers tick at creation time + k * interval;
// pushPullTrigger and Serf's reconnect loop start after a random stagger).
// The initial members' periodic ticks go to calendars (one pending event
// per kind instead of one per node); a node started later (the joiner)
// gets its own self-rescheduling events.
func (e *engine) start(i int32, at int64) {
	n := e.node(i)
	e.up.set(i, true)
	n.probeTgt = -1
	o := e.box(i)
	o.queue = o.first[:0]
	if e.cfg.LockStep {
		o.gossipAt = 0
	} else {
		o.gossipAt = mod(at, int64(e.cfg.GossipInterval))
	}
	e.reshuffle(i)
	n.probePos = uint32(e.rng.Uint64N(uint64(e.m)))
	periodic := []struct {
		kind   uint8
		period int64
		phase  int64
	}{
		{evProbe, int64(e.cfg.ProbeInterval), 0},
		{evPushPull, int64(pushPullScale(e.cfg.PushPullInterval, e.numNodes(i))), 0},
		{evReconnect, int64(e.cfg.ReconnectInterval), 0},
	}
	for k, p := range periodic {
		if p.period <= 0 {
			continue
		}
		phase := mod(at, p.period)
		if p.kind != evProbe {
			phase = mod(at+e.rng.Int64N(p.period), p.period)
		}
		if !e.calsArmed {
			e.cals[k].add(i, phase)
			continue
		}
		e.h.push(event{t: nextTick(e.now, phase, p.period), kind: p.kind, a: i, b: 1})
	}
}

func (e *engine) tick(kind uint8, i int32, resched bool) {
	switch kind {
	case evProbe:
		e.probeTick(i, e.node(i), resched)
	case evPushPull:
		e.pushPullTick(i, resched)
	case evReconnect:
		e.reconnectTick(i, resched)
	}
}

func mod(a, b int64) int64 { return ((a % b) + b) % b }

// nextTick is the first time > now on the grid phase + k*period.
func nextTick(now, phase, period int64) int64 {
	k := (now - phase) / period
	t := phase + k*period
	for t <= now {
		t += period
	}
	return t
}

// wakeGossip schedules the gossip tick of a node with something to send.
// Ticks of a node with an empty queue do nothing in memberlist (state.go:
// gossip returns when getBroadcasts is empty), so they are not simulated;
// the next one is put back on the node's own phase grid.
func (e *engine) wakeGossip(i int32, o *outbox) {
	if o.scheduled || !e.up.get(i) {
		return
	}
	o.scheduled = true
	e.h.push(event{t: nextTick(e.now, o.gossipAt, int64(e.cfg.GossipInterval)), kind: evGossip, a: i, b: o.place})
}

// calendar runs a periodic tick of many nodes, each at its own fixed phase,
// from a single slot of the event queue: the nodes sorted by phase are
// visited in turn.
type calendar struct {
	kind   uint8
	period int64
	order  []int32
	phase  []int64
	next   int
	base   int64
}

func (c *calendar) add(i int32, phase int64) {
	c.order = append(c.order, i)
	c.phase = append(c.phase, phase)
}

// arm sorts the calendar and schedules its first tick (calendar k).
func (e *engine) arm(k int) {
	c := &e.cals[k]
	if len(c.order) == 0 {
		return
	}
	sortByKey(c.phase, c.order) // nodes were added in order: ties stay by node
	e.h.setSlot(k, event{t: c.phase[0], kind: evCal, a: int32(k)})
}

// calTick runs one node's tick of calendar k and schedules the next one.
// The probe calendar's nodes sit in e.nodes in its order (see layout), so
// its walk reads their probe state in sequence.
func (e *engine) calTick(k int32) {
	c := &e.cals[k]
	if c.kind == evProbe {
		e.probeTick(c.order[c.next], &e.nodes[c.next], false)
	} else {
		e.tick(c.kind, c.order[c.next], false)
	}
	c.next++
	if c.next == len(c.order) {
		c.next = 0
		c.base += c.period
	}
	e.h.setSlot(int(k), event{t: c.base + c.phase[c.next], kind: evCal, a: k})
}

// layout orders the nodes' state in memory the way it is walked, once the
// initial members are started and the calendars armed: probe state in the
// probe calendar's order, outboxes by gossip phase (the order in which a
// wave of gossip ticks visits them). A tick then reads the line next to
// the previous one's instead of a random one in a million; pslot and oslot
// map node indices to places. Nothing else changes: node indices, and so
// every random draw, stay as they were. Nodes not in the calendar (the
// joiner) take the places left at the end.
func (e *engine) layout() {
	order := e.cals[0].order // the probe calendar (see newEngine)
	if e.cals[0].kind != evProbe || len(order) == 0 {
		return
	}
	nodes := make([]node, e.m)
	placed := newBitset(int(e.m))
	for j, i := range order {
		nodes[j] = e.nodes[i]
		e.pslot[i] = int32(j)
		placed.set(i, true)
	}
	next := int32(len(order))
	for i := range e.m {
		if !placed.get(i) {
			nodes[next] = e.nodes[i]
			e.pslot[i] = next
			next++
		}
	}
	e.nodes = nodes

	byPhase := make([]int32, 0, len(order))
	phases := make([]int64, 0, len(order))
	for i := range e.m {
		if placed.get(i) {
			byPhase = append(byPhase, i)
			phases = append(phases, e.outs[i].gossipAt)
		}
	}
	sortByKey(phases, byPhase)
	outs := make([]outbox, e.m)
	for j, i := range byPhase {
		outs[j] = e.outs[i]
		e.oslot[i] = int32(j)
	}
	next = int32(len(byPhase))
	for i := range e.m {
		if !placed.get(i) {
			outs[next] = e.outs[i]
			e.oslot[i] = next
			next++
		}
	}
	for j := range outs {
		outs[j].queue = outs[j].first[:0] // all empty yet; point into the new place
		outs[j].place = int32(j)
	}
	e.outs = outs
}

// sortByKey sorts keys (non-negative) ascending and vals along, stably:
// a least-significant-digit radix sort, as a comparison sort of a million
// phases costs a good part of a second.
func sortByKey(keys []int64, vals []int32) {
	const bits = 16
	var top int64
	for _, k := range keys {
		top = max(top, k)
	}
	k2, v2 := make([]int64, len(keys)), make([]int32, len(vals))
	count := make([]int, 1<<bits+1)
	for shift := 0; top>>shift > 0; shift += bits {
		clear(count)
		for _, k := range keys {
			count[(k>>shift)&(1<<bits-1)+1]++
		}
		for d := 1; d < len(count); d++ {
			count[d] += count[d-1]
		}
		for j, k := range keys {
			d := (k >> shift) & (1<<bits - 1)
			k2[count[d]], v2[count[d]] = k, vals[j]
			count[d]++
		}
		copy(keys, k2)
		copy(vals, v2)
	}
}

// node returns node i's probe state.
func (e *engine) node(i int32) *node { return &e.nodes[e.pslot[i]] }

// box returns node i's outbox.
func (e *engine) box(i int32) *outbox { return &e.outs[e.oslot[i]] }
