package simulator

// pktKind is the main message of a UDP packet.
type pktKind uint8

const (
	pGossip pktKind = iota // only broadcasts (state.go: gossip)
	pPing                  // net.go: pingMsg
	pAck                   // net.go: ackRespMsg
	pIndReq                // net.go: indirectPingMsg
	pNack                  // net.go: nackRespMsg
)

// packet is one UDP datagram in flight: a main message plus the broadcasts
// piggybacked on it (net.go: sendMsg, makeCompoundMessage).
type packet struct {
	items  []int32
	from   int32
	to     int32
	target int32
	seq    uint32
	kind   pktKind
}

// indirect is a helper's pending indirect ping (net.go: handleIndirectPing).
type indirect struct {
	helper, origin, target int32
	origSeq                uint32
}

func (e *engine) newPacket() int32 {
	if n := len(e.freePkt); n > 0 {
		k := e.freePkt[n-1]
		e.freePkt = e.freePkt[:n-1]
		return k
	}
	e.pkts = append(e.pkts, packet{})
	return int32(len(e.pkts) - 1)
}

// transmit puts a packet on the wire: it is lost with probability Loss or
// across a partition, else delivered after one drawn latency. A gossip
// packet that cannot change anything at its receiver (see inert) is
// counted and its latency drawn, but it is not delivered: the outcome is
// the same, with one event less.
func (e *engine) transmit(p packet, bytes int) {
	e.stats.Packets++
	e.stats.Bytes += int64(bytes)
	if !e.reachable(p.from, p.to) || (e.net.Loss > 0 && e.rng.Float64() < e.net.Loss) {
		return
	}
	at := e.now + e.latency()
	if p.kind == pGossip && e.inert(p.to, p.items) {
		return
	}
	k := e.newPacket()
	items := e.pkts[k].items[:0]
	p.items = append(items, p.items...)
	e.pkts[k] = p
	e.h.push(event{t: at, kind: evPacket, a: k})
}

// inert reports whether broadcasts sent to i now will change nothing when
// they arrive, whatever happens in between: i is down for good, or each
// one is already known to i in a way no other message can undo. Alive,
// suspect and dead messages qualify only at the first incarnation, so
// that a refutation (which raises it) makes them stale rather than news.
func (e *engine) inert(i int32, items []int32) bool {
	if !e.up.get(i) {
		return true // down for good: only the joiner starts late, before anyone knows it
	}
	for _, id := range items {
		m := &e.msgs[id]
		var ok bool
		switch m.kind {
		case mAlive:
			ok = m.inc <= 1 && m.subject != i && e.knows(i, m.subject)
		case mSuspect:
			ok = m.inc <= 1 && e.settled(i, m.subject)
		case mDead:
			ok = m.inc <= 1 && e.isDown(i, m.subject)
		case mUser:
			ok = e.userSeen != nil && e.userSeen[i]
		case mIntent:
			ok = e.intentSeen != nil && e.intentSeen[i]
		}
		if !ok {
			return false
		}
	}
	return true
}

// sendMsg is net.go: sendMsg: a main message of mainSize bytes with as many
// broadcasts piggybacked as fit in the rest of UDPBufferSize.
func (e *engine) sendMsg(from, to int32, kind pktKind, seq uint32, target int32, mainSize int) {
	avail := e.cfg.UDPBufferSize - mainSize - compoundHeaderOverhead
	items, used := e.getBroadcasts(from, nil, compoundOverhead, avail, e.scratch[:0])
	e.scratch = items
	e.transmit(packet{kind: kind, from: from, to: to, seq: seq, target: target, items: items}, mainSize+used)
}

// gossip is state.go: gossip: GossipNodes random peers among those alive,
// suspect or dead for less than GossipToTheDeadTime; one packet of
// broadcasts each, stopping when the queue has nothing left to send.
func (e *engine) gossip(i int32, o *outbox) {
	o.scheduled = false
	if !e.up.get(i) {
		return
	}
	targets := e.kRandomNodes(i, e.cfg.GossipNodes, func(j int32) bool {
		v := e.viewOf(i, j)
		switch v.state {
		case vAlive, vSuspect:
			return false
		case vDead:
			return e.now-v.change > int64(e.cfg.GossipToTheDeadTime)
		}
		return true
	})
	for _, j := range targets {
		items, used := e.getBroadcasts(i, o, compoundOverhead, e.cfg.UDPBufferSize-compoundHeaderOverhead, e.scratch[:0])
		e.scratch = items
		if used == 0 {
			break
		}
		e.transmit(packet{kind: pGossip, from: i, to: j, items: items}, used)
		if !e.up.get(i) { // a leaving node shuts down once its leave is sent
			return
		}
	}
	if !e.queueEmpty(i) {
		e.wakeGossip(i, o)
	}
}

// kRandomNodes is util.go: kRandomNodes: up to k distinct random nodes not
// excluded, sampling at most 3n times (an exhaustive shuffle when n < 3k).
// The result is valid until the next call.
func (e *engine) kRandomNodes(i int32, k int, exclude func(int32) bool) []int32 {
	out := e.krand[:0]
	defer func() { e.krand = out[:0] }()
	if i == e.unsynced {
		return out
	}
	m := int(e.m)
	if m < 3*k {
		for _, j := range e.rng.Perm(m) {
			if len(out) == k {
				break
			}
			if int32(j) != i && !exclude(int32(j)) {
				out = append(out, int32(j))
			}
		}
		return out
	}
outer:
	for try := 0; try < 3*m && len(out) < k; try++ {
		j := int32(e.rng.IntN(m))
		if j == i || exclude(j) {
			continue
		}
		for _, o := range out {
			if o == j {
				continue outer
			}
		}
		out = append(out, j)
	}
	return out
}

// deliver handles a packet's arrival (net.go: handleCommand,
// handleCompound): first the main message, then the piggybacked ones.
func (e *engine) deliver(k int32) {
	p := e.pkts[k]
	// freed after use: replies below may allocate packets
	defer func() { e.freePkt = append(e.freePkt, k) }()
	to := p.to
	if !e.up.get(to) {
		return
	}
	switch p.kind {
	case pPing:
		e.sendMsg(to, p.from, pAck, p.seq, -1, ackSize)
	case pAck:
		e.handleAck(to, p.seq)
	case pIndReq:
		s := e.nextSeq()
		e.ind[s] = indirect{helper: to, origin: p.from, target: p.target, origSeq: p.seq}
		e.sendMsg(to, p.target, pPing, s, -1, pingSize)
		e.h.pushTimeout(event{t: e.now + int64(e.cfg.ProbeTimeout), kind: evIndTO, c: s})
	case pNack:
		n := e.node(to)
		if n.probeBusy && n.probeSeq == p.seq {
			n.nacks++
		}
	}
	for _, m := range p.items {
		if !e.up.get(to) {
			return
		}
		e.apply(to, m)
	}
}

// apply dispatches one broadcast to memberlist's state handlers.
func (e *engine) apply(i int32, id int32) {
	m := e.msgs[id]
	switch m.kind {
	case mAlive:
		e.aliveNode(i, m.subject, m.inc, id)
	case mSuspect:
		e.suspectNode(i, m.subject, m.inc, m.from)
	case mDead:
		e.deadNode(i, m.subject, m.inc, m.from)
	case mUser:
		e.userEvent(i)
	case mIntent:
		e.leaveIntent(i)
	}
}

func (e *engine) nextSeq() uint32 {
	e.seqNo++
	return e.seqNo
}

// leaveIntent is Serf's handleNodeLeaveIntent: the member becomes leaving
// (no observation: NotifyLeave comes with memberlist's dead message) and
// the intent is rebroadcast once.
func (e *engine) leaveIntent(i int32) {
	if e.intentSeen == nil || e.intentSeen[i] {
		return
	}
	e.intentSeen[i] = true
	e.enqueue(i, e.intentMsg)
}

// userEvent is Serf's handleUserEvent: record a new event and rebroadcast.
func (e *engine) userEvent(i int32) {
	if e.userSeen == nil || e.userSeen[i] {
		return
	}
	e.userSeen[i] = true
	e.out.user(e, i)
	e.enqueue(i, e.userMsg)
}
