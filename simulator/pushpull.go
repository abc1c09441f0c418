package simulator

// pushPullTick is state.go: pushPullTrigger and pushPull: every
// pushPullScale(PushPullInterval, estNumNodes) a full state exchange over
// TCP with one random alive node.
func (e *engine) pushPullTick(i int32, resched bool) {
	if !e.up.get(i) {
		return
	}
	if resched {
		e.h.push(event{t: e.now + int64(pushPullScale(e.cfg.PushPullInterval, e.numNodes(i))), kind: evPushPull, a: i})
	}
	e.stats.PushPulls++
	if len(e.subjects) == 0 && e.userSeen == nil {
		return // all states equal: the exchange changes nothing
	}
	peers := e.kRandomNodes(i, 1, func(j int32) bool { return e.viewOf(i, j).state != vAlive })
	if len(peers) == 0 {
		return
	}
	e.exchange(i, peers[0], false)
}

// exchange is state.go: pushPullNode over TCP (net.go:
// sendAndReceiveState): the peer reads our state and merges it after the
// connection set-up and our push (three one-way delays), we merge its
// reply one delay later. TCP is not subject to the simulated loss; a down
// or cut-off peer fails the exchange.
func (e *engine) exchange(i, j int32, join bool) {
	if !e.up.get(j) || !e.reachable(i, j) {
		return
	}
	l := e.latency()
	c := uint32(0)
	if join {
		c = 1
	}
	e.h.push(event{t: e.now + 3*l, kind: evPPMerge, a: j, b: i})
	e.h.push(event{t: e.now + 4*l, kind: evPPMerge, a: i, b: j, c: c})
}

// merge is state.go: mergeState over the sender's current state: alive
// states go through aliveNode, left through deadNode, dead and suspect are
// only suspected (from the receiver). Serf's push/pull also carries its
// recent user events. A joiner learning the member list for the first time
// queues an alive message per member (the filler, see queue.go).
func (e *engine) merge(dst, src int32, join bool) {
	if !e.up.get(dst) || !e.up.get(src) {
		return
	}
	if join && dst == e.unsynced {
		e.unsynced = -1
		e.qid++
		e.filler = &filler{node: dst, id: e.qid, count: []int32{int32(e.sc.N)}}
		e.wakeGossip(dst, e.box(dst))
	}
	for k := 0; k < len(e.subjects); k++ {
		s := e.subjects[k].node
		rv := e.subjects[k].views[src]
		switch rv.state {
		case vAlive:
			e.aliveNode(dst, s, rv.inc, e.msgID(mAlive, s, rv.inc, s))
		case vLeft:
			e.deadNode(dst, s, rv.inc, s)
		case vDead, vSuspect:
			e.suspectNode(dst, s, rv.inc, dst)
		}
	}
	if e.userSeen != nil && e.userSeen[src] {
		e.userEvent(dst)
	}
}

// reconnectTick is Serf's reconnect loop (serf.go: reconnect): every
// ReconnectInterval, with probability failed/alive, join one random failed
// member by push/pull. It is what re-merges a healed partition.
func (e *engine) reconnectTick(i int32, resched bool) {
	if !e.up.get(i) {
		return
	}
	if resched {
		e.h.push(event{t: e.now + int64(e.cfg.ReconnectInterval), kind: evReconnect, a: i})
	}
	var failed []int32
	for _, s := range e.subjects {
		if s.views[i].state == vDead && s.node != i {
			failed = append(failed, s.node)
		}
	}
	if len(failed) == 0 {
		return
	}
	alive := e.numNodes(i) - len(failed)
	if alive > 0 && e.rng.Float64() > float64(len(failed))/float64(alive) {
		return
	}
	e.exchange(i, failed[e.rng.IntN(len(failed))], false)
}
