package simulator

// inject applies the scenario's event at the injection time.
func (e *engine) inject() {
	sc := e.sc
	switch sc.Event {
	case Join:
		// memberlist.go: Create (setAlive queues our own alive message),
		// then Join: push/pull with one seed member (state.go: pushPullNode).
		x := e.joiner
		e.out.track(e, "alive", chJoin, x)
		// start scales the push/pull period by the member list the node
		// will hold after its join push/pull, hence synced while it runs.
		e.unsynced = -1
		e.start(x, e.now)
		e.unsynced = x
		e.setView(x, x, vAlive, 1)
		e.enqueue(x, e.msgID(mAlive, x, 1, x))
		e.exchange(x, int32(e.rng.IntN(sc.N)), true)
	case Leave:
		l := int32(e.rng.IntN(sc.N))
		e.out.track(e, "left", chDown, l)
		if !e.cfg.LeaveIntent {
			e.leave(l)
			break
		}
		// serf.go: Leave broadcasts the intent and waits until it is sent
		// out; finished then calls leave.
		e.intentSeen = make([]bool, e.m)
		e.intentSeen[l] = true
		e.intentMsg = e.msgID(mIntent, l, 0, l)
		e.enqueue(l, e.intentMsg)
	case Fail:
		c := int32(e.rng.IntN(sc.N))
		e.down(c)
		e.out.track(e, "dead", chDown, c)
	case User:
		o := int32(e.rng.IntN(sc.N))
		e.out.track(e, "user", chUser, o)
		e.userSeen = make([]bool, e.m)
		e.userSeen[o] = true
		e.userMsg = e.msgID(mUser, o, 0, o)
		e.enqueue(o, e.userMsg)
	case MassFail:
		k := int(ceilPos(sc.FailFraction * float64(sc.N)))
		k = min(max(k, 1), sc.N-1)
		crashed := e.rng.Perm(sc.N)[:k]
		for _, c := range crashed {
			e.down(int32(c))
		}
		for _, c := range crashed {
			e.out.track(e, "dead", chDown, int32(c))
		}
	case Partition:
		e.partition()
	}
}

// leave is memberlist.go: Leave: deadNode on ourselves with From == Node,
// then keep gossiping until the message is sent out (then Shutdown).
func (e *engine) leave(l int32) {
	e.node(l).left = true
	inc := e.viewOf(l, l).inc
	e.setView(l, l, vLeft, inc)
	e.enqueue(l, e.msgID(mDead, l, inc, l))
}

// partition cuts the network into the scenario's groups.
func (e *engine) partition() {
	sc := e.sc
	e.group = make([]int16, e.m)
	groups := sc.Groups
	if groups == nil {
		half := make([]int, 0, sc.N/2)
		for i := range sc.N / 2 {
			half = append(half, i)
		}
		groups = [][]int{half}
	}
	size := map[int16]int32{0: int32(sc.N)}
	for g, members := range groups {
		for _, m := range members {
			e.group[m] = int16(g + 1)
			size[int16(g+1)]++
			size[0]--
		}
	}
	e.otherSize = make([]int32, e.m)
	e.deadOther = make([]int32, e.m)
	e.notAlive = make([]int32, e.m)
	for i := range e.m {
		e.otherSize[i] = int32(sc.N) - size[e.group[i]]
	}
	e.partitioned = true
	e.out.track(e, "partitioned", chPartitioned, -1)
	if sc.HealAfter > 0 {
		e.out.track(e, "healed", chHealed, -1)
		e.h.push(event{t: e.now + int64(sc.HealAfter), kind: evHeal})
	}
}

func (e *engine) heal() {
	e.partitioned = false
	for i := range e.m {
		e.out.partitionCheck(e, i)
	}
}
