package simulator

import (
	"math"
	"time"
)

// aliveNode is state.go: aliveNode for an alive message about s heard by i.
func (e *engine) aliveNode(i, s int32, inc uint32, msg int32) {
	n := &e.nodes[i]
	if n.left && s == i {
		return // memberlist.go: hasLeft, do not re-join
	}
	v := e.viewOf(i, s)
	if s == i {
		if inc <= v.inc {
			return // same incarnation and meta: nothing to refute
		}
		e.refute(i, inc)
		return
	}
	if inc <= v.inc && v.state != vNone {
		return
	}
	delete(e.susp, suspKey(i, s))
	e.enqueue(i, msg)
	e.setView(i, s, vAlive, inc)
}

// suspectNode is state.go: suspectNode.
func (e *engine) suspectNode(i, s int32, inc uint32, from int32) {
	v := e.viewOf(i, s)
	if v.state == vNone || inc < v.inc {
		return
	}
	if t, ok := e.susp[suspKey(i, s)]; ok {
		if e.confirm(i, s, t, from) {
			e.enqueue(i, e.msgID(mSuspect, s, inc, from))
		}
		return
	}
	if v.state != vAlive {
		return
	}
	if s == i {
		e.refute(i, inc)
		return
	}
	e.enqueue(i, e.msgID(mSuspect, s, inc, from))
	e.setView(i, s, vSuspect, inc)

	// Lifeguard: wait longer while fewer independent confirmations arrive.
	k := e.cfg.SuspicionMult - 2
	nn := e.numNodes(i)
	if nn-2 < k {
		k = 0
	}
	lo := suspicionTimeout(e.cfg.SuspicionMult, nn, e.cfg.ProbeInterval)
	hi := time.Duration(e.cfg.SuspicionMaxTimeoutMult) * lo
	e.newSuspicion(i, s, from, k, lo, hi)
}

// deadNode is state.go: deadNode. A dead message with From == Node is a
// graceful leave and marks the node left.
func (e *engine) deadNode(i, s int32, inc uint32, from int32) {
	v := e.viewOf(i, s)
	if v.state == vNone || inc < v.inc {
		return
	}
	delete(e.susp, suspKey(i, s))
	if v.state == vDead || v.state == vLeft {
		return
	}
	if s == i {
		if !e.nodes[i].left {
			e.refute(i, inc)
		}
		return
	}
	e.enqueue(i, e.msgID(mDead, s, inc, from))
	st := vDead
	if from == s {
		st = vLeft
	}
	e.setView(i, s, st, inc)
}

// refute is state.go: refute: a higher incarnation, broadcast alive, and a
// worse health score (awareness.go: ApplyDelta(1)).
func (e *engine) refute(i int32, accused uint32) {
	inc := e.viewOf(i, i).inc + 1
	if accused >= inc {
		inc = accused + 1
	}
	e.setView(i, i, vAlive, inc)
	e.awareness(i, 1)
	e.enqueue(i, e.msgID(mAlive, i, inc, i))
}

// awareness is awareness.go: ApplyDelta, the Lifeguard health score in
// [0, AwarenessMaxMultiplier-1].
func (e *engine) awareness(i int32, d int) {
	n := &e.nodes[i]
	s := int(n.awareness) + d
	s = max(0, min(s, e.cfg.AwarenessMaxMultiplier-1))
	n.awareness = int16(s)
}

// suspicion is suspicion.go: suspicion, one node's timer about another.
type suspicion struct {
	start, deadline int64
	lo, hi          int64
	change          int64 // StateChange when it started (state.go: suspectNode's changeTime)
	froms           []int32
	k, n            int32
	gen             uint32
}

func suspKey(i, s int32) uint64 { return uint64(uint32(i))<<32 | uint64(uint32(s)) }

// newSuspicion is suspicion.go: newSuspicion: the timer starts at the max
// timeout when confirmations are expected (k >= 1), else at the min.
func (e *engine) newSuspicion(i, s, from int32, k int, lo, hi time.Duration) {
	e.seqNo++
	t := &suspicion{start: e.now, lo: int64(lo), hi: int64(hi), k: int32(k), froms: []int32{from},
		gen: e.seqNo, change: e.viewOf(i, s).change}
	timeout := hi
	if k < 1 {
		timeout = lo
	}
	t.deadline = e.now + int64(timeout)
	e.susp[suspKey(i, s)] = t
	e.h.push(event{t: t.deadline, kind: evSuspTO, a: i, b: s, c: t.gen})
}

// confirm is suspicion.go: Confirm: a new independent accuser shortens the
// timeout to remainingSuspicionTime.
func (e *engine) confirm(i, s int32, t *suspicion, from int32) bool {
	if t.n >= t.k {
		return false
	}
	for _, f := range t.froms {
		if f == from {
			return false
		}
	}
	t.froms = append(t.froms, from)
	t.n++
	rem := remainingSuspicionTime(t.n, t.k, time.Duration(e.now-t.start), time.Duration(t.lo), time.Duration(t.hi))
	e.seqNo++
	t.gen = e.seqNo
	t.deadline = e.now + max(int64(rem), 0)
	e.h.push(event{t: t.deadline, kind: evSuspTO, a: i, b: s, c: t.gen})
	return true
}

// suspicionFired fires a suspicion timer (state.go: suspectNode's fn):
// still suspect since the same change, so declare it dead, from i.
func (e *engine) suspicionFired(i, s int32, gen uint32) {
	t, ok := e.susp[suspKey(i, s)]
	if !ok || t.gen != gen || !e.nodes[i].up {
		return
	}
	v := e.viewOf(i, s)
	if v.state != vSuspect || v.change != t.change {
		return
	}
	e.deadNode(i, s, v.inc, i)
}

// remainingSuspicionTime is suspicion.go: remainingSuspicionTime.
func remainingSuspicionTime(n, k int32, elapsed, lo, hi time.Duration) time.Duration {
	frac := math.Log(float64(n)+1.0) / math.Log(float64(k)+1.0)
	raw := hi.Seconds() - frac*(hi.Seconds()-lo.Seconds())
	timeout := time.Duration(math.Floor(1000.0*raw)) * time.Millisecond
	if timeout < lo {
		timeout = lo
	}
	return timeout - elapsed
}

// suspicionTimeout is util.go: suspicionTimeout.
func suspicionTimeout(mult, n int, interval time.Duration) time.Duration {
	nodeScale := math.Max(1.0, math.Log10(math.Max(1.0, float64(n))))
	return time.Duration(mult) * time.Duration(nodeScale*1000) * interval / 1000
}

// pushPullScale is util.go: pushPullScale: above 32 nodes the interval
// grows by one step per doubling.
func pushPullScale(interval time.Duration, n int) time.Duration {
	const threshold = 32 // util.go: pushPullScaleThreshold
	if n <= threshold {
		return interval
	}
	mult := math.Ceil(math.Log2(float64(n))-math.Log2(threshold)) + 1.0
	return time.Duration(mult) * interval
}
