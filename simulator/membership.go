package simulator

import (
	"math"
	"time"
)

// aliveNode is state.go: aliveNode for an alive message about s heard by i.
func (e *engine) aliveNode(i, s int32, inc uint32, msg int32) {
	if inc <= 1 && s != i && e.knows(i, s) {
		return // below: every view in the member list is at incarnation >= 1
	}
	v := e.viewOf(i, s)
	if s == i {
		if e.node(i).left {
			return // memberlist.go: hasLeft, do not re-join
		}
		if inc <= v.inc {
			return // same incarnation and meta: nothing to refute
		}
		e.refute(i, inc)
		return
	}
	if inc <= v.inc && v.state != vNone {
		return
	}
	e.dropSuspicion(i, s)
	e.enqueue(i, msg)
	e.setView(i, s, vAlive, inc)
}

// suspectNode is state.go: suspectNode.
func (e *engine) suspectNode(i, s int32, inc uint32, from int32) {
	if e.settled(i, s) {
		return // dead, left, or suspect with a timer past confirmations
	}
	if t := e.suspicionOf(i, s); t != nil {
		// i's view is suspect at t.inc for as long as the timer lives.
		if inc >= t.inc && e.confirm(i, s, t, from) {
			e.enqueue(i, e.msgID(mSuspect, s, inc, from))
		}
		return
	}
	v := e.viewOf(i, s)
	if v.state == vNone || inc < v.inc {
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
	if e.isDown(i, s) {
		return // already dead or left (and so without a timer)
	}
	v := e.viewOf(i, s)
	if v.state == vNone || inc < v.inc {
		return
	}
	e.dropSuspicion(i, s)
	if v.state == vDead || v.state == vLeft {
		return
	}
	if s == i {
		if !e.node(i).left {
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
	e.awareness(e.node(i), 1)
	e.enqueue(i, e.msgID(mAlive, i, inc, i))
}

// awareness is awareness.go: ApplyDelta, the Lifeguard health score in
// [0, AwarenessMaxMultiplier-1].
func (e *engine) awareness(n *node, d int) {
	s := int(n.awareness) + d
	s = max(0, min(s, e.cfg.AwarenessMaxMultiplier-1))
	n.awareness = int16(s)
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
