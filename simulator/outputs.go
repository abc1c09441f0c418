package simulator

import "time"

// change kinds tracked for the Result.
const (
	chJoin uint8 = iota // an observer's view of the subject became alive (NotifyJoin)
	chDown              // ... became dead or left (NotifyLeave)
	chUser              // an observer received the user event
	chPartitioned
	chHealed
)

const (
	notObserver int64 = -2
	notYet      int64 = -1
)

type tracked struct {
	what      string
	kind      uint8
	subject   int32
	learned   []int64
	remaining int
}

// outputs records, per tracked change, when each observer learned it.
type outputs struct {
	list []tracked
	// bySubject maps a subject node to its tracked change (join, leave,
	// fail, mass fail), -1 when untracked.
	bySubject map[int32]int
}

// track adds a change observed by every node up now except the subject.
func (o *outputs) track(e *engine, what string, kind uint8, subject int32) {
	t := tracked{what: what, kind: kind, subject: subject, learned: make([]int64, e.m)}
	for i := range t.learned {
		if !e.up.get(int32(i)) || int32(i) == subject || (e.joiner >= 0 && int32(i) == e.joiner && kind != chJoin) {
			t.learned[i] = notObserver
			continue
		}
		t.learned[i] = notYet
		t.remaining++
	}
	if o.bySubject == nil {
		o.bySubject = map[int32]int{}
	}
	if kind == chJoin || kind == chDown {
		o.bySubject[subject] = len(o.list)
	}
	o.list = append(o.list, t)
}

func (o *outputs) mark(e *engine, k int, i int32) {
	t := &o.list[k]
	if t.learned[i] != notYet || e.now < e.t0 {
		return
	}
	t.learned[i] = e.now - e.t0
	t.remaining--
}

// learned is called by setView on NotifyJoin / NotifyLeave moments.
func (o *outputs) learned(e *engine, kind uint8, i, subject int32) {
	k, ok := o.bySubject[subject]
	if !ok || o.list[k].kind != kind {
		return
	}
	o.mark(e, k, i)
}

func (o *outputs) user(e *engine, i int32) {
	for k := range o.list {
		if o.list[k].kind == chUser {
			o.mark(e, k, i)
		}
	}
}

// partitionCheck records "partitioned" and "healed" for node i.
func (o *outputs) partitionCheck(e *engine, i int32) {
	for k := range o.list {
		t := &o.list[k]
		switch {
		case t.kind == chPartitioned && e.partitioned && e.deadOther[i] >= e.otherSize[i]:
			o.mark(e, k, i)
		case t.kind == chHealed && !e.partitioned && e.group != nil && e.notAlive[i] == 0:
			o.mark(e, k, i)
		}
	}
}

func (o *outputs) done() bool {
	if len(o.list) == 0 {
		return false
	}
	for _, t := range o.list {
		if t.remaining > 0 {
			return false
		}
	}
	return true
}

func (o *outputs) changes(e *engine) []Change {
	out := make([]Change, 0, len(o.list))
	for _, t := range o.list {
		c := Change{What: t.what, Subject: int(t.subject)}
		for i, l := range t.learned {
			switch l {
			case notObserver:
				continue
			case notYet:
				c.Observers = append(c.Observers, Observation{Node: i, Latency: Never})
			default:
				c.Observers = append(c.Observers, Observation{Node: i, Latency: time.Duration(l)})
			}
		}
		out = append(out, c)
	}
	return out
}
