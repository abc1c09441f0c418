package simulator

// probeTick is the probe ticker (state.go: schedule, probe). A tick that
// finds the previous probe still running is dropped, as time.Ticker drops
// ticks nobody reads (probeNode blocks for up to the scaled interval).
func (e *engine) probeTick(i int32, n *node, resched bool) {
	if !e.up.get(i) {
		return
	}
	if resched {
		e.h.push(event{t: e.now + int64(e.cfg.ProbeInterval), kind: evProbe, a: i})
	}
	if n.probeBusy {
		return
	}
	if j := e.nextProbeTarget(i, n); j >= 0 {
		e.probeNode(i, n, j)
	}
}

// nextProbeTarget is state.go: probe: walk the node's shuffled list round
// robin, skipping itself and dead or left nodes, reshuffling at the end
// (resetNodes). The shuffled list is an affine permutation p -> (a p + b)
// mod m with a coprime to m, redrawn at each wrap: a round robin over every
// node in an order that is random per node and per pass, in 12 bytes.
func (e *engine) nextProbeTarget(i int32, n *node) int32 {
	m := uint32(e.m)
	for checked := uint32(0); checked < m+1; {
		if n.probePos >= m {
			e.reshuffle(i)
			n.probePos = 0
			checked++
			continue
		}
		j := int32((uint64(n.probeA)*uint64(n.probePos) + uint64(n.probeB)) % uint64(m))
		n.probePos++
		st := e.viewOf(i, j).state
		if j == i || st != vAlive && st != vSuspect {
			checked++
			continue
		}
		return j
	}
	return -1
}

func (e *engine) reshuffle(i int32) {
	n := e.node(i)
	m := uint64(e.m)
	a := uint64(1)
	if m > 2 {
		for {
			a = 1 + e.rng.Uint64N(m-1)
			if gcd(a, m) == 1 {
				break
			}
		}
	}
	n.probeA = uint32(a)
	n.probeB = uint32(e.rng.Uint64N(m))
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// probeNode is state.go: probeNode: a ping (with piggybacked broadcasts; a
// suspect target gets a compound ping+suspect instead so it can refute),
// then after ProbeTimeout indirect pings through IndirectChecks peers and a
// TCP ping, and at the end of the awareness-scaled probe interval a
// suspicion.
func (e *engine) probeNode(i int32, n *node, j int32) {
	v := e.viewOf(i, j)
	// Fast path, exact in outcome: with no loss, an up and reachable
	// target and nothing queued on either side, the probe is a ping and an
	// ack that change nothing but the health score.
	if v.state == vAlive && e.net.Loss == 0 && e.up.get(j) && e.reachable(i, j) && e.queueEmpty(i) && e.queueEmpty(j) {
		e.stats.Packets += 2
		e.stats.Bytes += pingSize + ackSize
		e.awareness(n, -1)
		return
	}
	seq := e.nextSeq()
	n.probeBusy, n.probeAcked = true, false
	n.probeSeq, n.probeTgt = seq, j
	n.nacks, n.expNacks = 0, 0
	if v.state == vAlive {
		e.sendMsg(i, j, pPing, seq, -1, pingSize)
	} else {
		sus := e.msgID(mSuspect, j, v.inc, i)
		e.transmit(packet{kind: pPing, from: i, to: j, seq: seq, items: []int32{sus}}, pingSize+suspectSize+2*compoundOverhead+compoundHeaderOverhead)
	}
	e.h.pushTimeout(event{t: e.now + int64(e.cfg.ProbeTimeout), kind: evProbeTO, a: i, c: seq})
}

// handleAck is an ack arriving at i: for its own probe it ends the probe
// (awareness -1); for an indirect ping it helps with, it forwards the ack to
// the origin (net.go: handleIndirectPing's respHandler).
func (e *engine) handleAck(i int32, seq uint32) {
	n := e.node(i)
	if n.probeBusy && n.probeSeq == seq {
		n.probeBusy, n.probeAcked = false, true
		e.awareness(n, -1)
		return
	}
	if in, ok := e.ind[seq]; ok && in.helper == i {
		delete(e.ind, seq)
		e.sendMsg(i, in.origin, pAck, in.origSeq, -1, ackSize)
	}
}

// probeTimeout: no direct ack within ProbeTimeout, ask IndirectChecks alive
// peers (each will nack if the target does not answer it either).
func (e *engine) probeTimeout(i int32, seq uint32) {
	n := e.node(i)
	if !e.up.get(i) || !n.probeBusy || n.probeSeq != seq {
		return
	}
	j := n.probeTgt
	peers := e.kRandomNodes(i, e.cfg.IndirectChecks, func(k int32) bool {
		return k == j || e.viewOf(i, k).state != vAlive
	})
	for _, k := range peers {
		n.expNacks++
		e.sendMsg(i, k, pIndReq, seq, j, indSize)
	}
	pi := int64(e.cfg.ProbeInterval) * (int64(n.awareness) + 1)
	e.h.push(event{t: e.now - int64(e.cfg.ProbeTimeout) + pi, kind: evProbeEnd, a: i, c: seq})
}

// indirectTimeout: a helper heard nothing from the target within
// ProbeTimeout and sends a nack to the origin.
func (e *engine) indirectTimeout(seq uint32) {
	in, ok := e.ind[seq]
	if !ok {
		return
	}
	delete(e.ind, seq)
	if e.up.get(in.helper) {
		e.sendMsg(in.helper, in.origin, pNack, in.origSeq, -1, ackSize)
	}
}

// probeEnd: the scaled probe interval is over without an ack. The TCP
// fallback ping reaches any target that is up and not cut off (TCP is not
// subject to the simulated loss); otherwise the health score grows by the
// missing nacks and the target is suspected.
func (e *engine) probeEnd(i int32, seq uint32) {
	n := e.node(i)
	if !e.up.get(i) || !n.probeBusy || n.probeSeq != seq {
		return
	}
	n.probeBusy = false
	j := n.probeTgt
	if !e.cfg.DisableTCPPings && e.up.get(j) && e.reachable(i, j) {
		e.awareness(n, -1)
		return
	}
	d := 1
	if n.expNacks > 0 {
		d = max(0, int(n.expNacks-n.nacks))
	}
	e.awareness(n, d)
	e.suspectNode(i, j, e.viewOf(i, j).inc, i)
}
