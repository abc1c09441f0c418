package simulator

import (
	"math"
	"time"
)

// suspicion is suspicion.go: suspicion, one node's timer about another.
// Timers live in engine.timers, found through subject.timer; the accusers
// (froms) in engine.froms, stride entries per timer.
type suspicion struct {
	start  int64
	lo, hi int64
	change int64 // StateChange when it started (state.go: suspectNode's changeTime)
	k, n   int32
	gen    uint32
	inc    uint32 // the suspected incarnation: the view's, which stays while the timer does
}

// suspicionOf returns i's timer about s, nil when there is none.
func (e *engine) suspicionOf(i, s int32) *suspicion {
	if !e.isSubj.get(s) {
		return nil
	}
	sub := &e.subjects[e.subj[s]]
	if sub.timer == nil || sub.timer[i] == 0 {
		return nil
	}
	return &e.timers[sub.timer[i]-1]
}

// dropSuspicion deletes i's timer about s, if any.
func (e *engine) dropSuspicion(i, s int32) {
	if !e.isSubj.get(s) {
		return
	}
	sub := &e.subjects[e.subj[s]]
	if sub.timer == nil || sub.timer[i] == 0 {
		return
	}
	e.freeTimers = append(e.freeTimers, sub.timer[i]-1)
	sub.timer[i] = 0
	sub.sat.set(i, false)
}

// fromsOf returns the accusers of timer t (fromsStride entries, the
// first n+1 used).
func (e *engine) fromsOf(t int32) []int32 {
	st := e.fromsStride()
	return e.froms[int(t)*st : int(t+1)*st]
}

// fromsStride is the most accusers a timer records: its first and k
// confirmations, k <= SuspicionMult-2.
func (e *engine) fromsStride() int { return max(1, e.cfg.SuspicionMult-1) }

// newSuspicion is suspicion.go: newSuspicion: the timer starts at the max
// timeout when confirmations are expected (k >= 1), else at the min.
func (e *engine) newSuspicion(i, s, from int32, k int, lo, hi time.Duration) {
	e.seqNo++
	var ti int32
	if n := len(e.freeTimers); n > 0 {
		ti = e.freeTimers[n-1]
		e.freeTimers = e.freeTimers[:n-1]
	} else {
		e.timers = append(e.timers, suspicion{})
		e.froms = append(e.froms, make([]int32, e.fromsStride())...)
		ti = int32(len(e.timers) - 1)
	}
	t := &e.timers[ti]
	v := e.viewOf(i, s)
	*t = suspicion{start: e.now, lo: int64(lo), hi: int64(hi), k: int32(k), gen: e.seqNo, change: v.change, inc: v.inc}
	e.fromsOf(ti)[0] = from
	timeout := hi
	if k < 1 {
		timeout = lo
	}
	deadline := e.now + int64(timeout)
	sub := e.addSubject(s)
	if sub.timer == nil {
		sub.timer = make([]int32, e.m)
	}
	sub.timer[i] = ti + 1
	sub.sat.set(i, t.n >= t.k)
	e.h.push(event{t: deadline, kind: evSuspTO, a: i, b: s, c: t.gen})
}

// confirm is suspicion.go: Confirm: a new independent accuser shortens the
// timeout to remainingSuspicionTime.
func (e *engine) confirm(i, s int32, t *suspicion, from int32) bool {
	if t.n >= t.k {
		return false
	}
	sub := &e.subjects[e.subj[s]]
	froms := e.fromsOf(sub.timer[i] - 1)
	for _, f := range froms[:t.n+1] {
		if f == from {
			return false
		}
	}
	t.n++
	froms[t.n] = from
	sub.sat.set(i, t.n >= t.k)
	rem := remainingSuspicionTime(t.n, t.k, time.Duration(e.now-t.start), time.Duration(t.lo), time.Duration(t.hi))
	e.seqNo++
	t.gen = e.seqNo
	e.h.push(event{t: e.now + max(int64(rem), 0), kind: evSuspTO, a: i, b: s, c: t.gen})
	return true
}

// suspicionFired fires a suspicion timer (state.go: suspectNode's fn):
// still suspect since the same change, so declare it dead, from i.
func (e *engine) suspicionFired(i, s int32, gen uint32) {
	t := e.suspicionOf(i, s)
	if t == nil || t.gen != gen || !e.up.get(i) {
		return
	}
	v := e.viewOf(i, s)
	if v.state != vSuspect || v.change != t.change {
		return
	}
	e.deadNode(i, s, v.inc, i)
}

// settled reports whether no suspect message can change what i holds
// about s: i holds it dead or left, or suspects it with a timer that
// takes no more confirmations.
func (e *engine) settled(i, s int32) bool {
	if !e.isSubj.get(s) {
		return false
	}
	sub := &e.subjects[e.subj[s]]
	return sub.down.get(i) || sub.sat.get(i)
}

// isDown reports whether i holds s dead or left.
func (e *engine) isDown(i, s int32) bool {
	return e.isSubj.get(s) && e.subjects[e.subj[s]].down.get(i)
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
