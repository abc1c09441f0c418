package simulator

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// View states of one node about another (memberlist's NodeStateType plus
// "not in my node list").
const (
	vNone uint8 = iota
	vAlive
	vSuspect
	vDead
	vLeft
)

// view is what one observer believes about one subject.
type view struct {
	change int64 // virtual time of the last state change (StateChange)
	inc    uint32
	state  uint8
}

// subject holds every node's view of one node whose state differs from
// "alive, incarnation 1" somewhere: the memory-lean representation. Nodes
// that never became a subject are alive in every view.
type subject struct {
	node  int32
	views []view
	// known, down and sat hold per node what the hottest checks need,
	// without a cache miss per node: views[i].state != vNone (does i know
	// the joiner, is an alive message at the first incarnation news to
	// i); views[i].state is vDead or vLeft; i's suspicion timer takes no
	// more confirmations.
	known, down, sat bitset
	// timer is i's suspicion timer about the subject: index in
	// engine.timers plus one, 0 for none; nil until the first.
	timer []int32
}

// node is one simulated memberlist instance: its failure detector and
// whether it left; its queue and gossip ticker are its outbox. The two are
// apart so that a probe tick and a gossip tick each touch one cache line.
type node struct {
	probeA     uint32
	probeB     uint32
	probePos   uint32
	probeSeq   uint32
	probeTgt   int32
	nacks      int16
	expNacks   int16
	awareness  int16
	left       bool
	probeBusy  bool
	probeAcked bool
}

type engine struct {
	cfg  Config
	net  Network
	sc   Scenario
	seed uint64
	rng  *rand.Rand
	h    eventHeap
	now  int64

	nodes  []node
	outs   []outbox // never reallocated after layout: queues may point into it
	pslot  []int32  // node -> index in nodes
	oslot  []int32  // node -> index in outs
	m      int32    // number of node slots (N, or N+1 with a joiner)
	joiner int32    // -1 without a joiner
	// unsynced is the joiner until its join push/pull has taught it the
	// member list, else -1: the only node not knowing every member.
	unsynced int32
	up       bitset // the node runs
	queued   bitset // the node's queue is not empty (len(node.queue) > 0)
	isSubj   bitset // the node is a subject (subj >= 0)

	subj     []int32 // node -> index in subjects, -1
	subjects []subject

	timers     []suspicion
	freeTimers []int32
	froms      []int32 // accusers of timer t at t*fromsStride()

	msgs   []message
	msgIdx map[msgKey]int32
	qid    int64
	qbuf   []qitem // scratch of getBroadcasts
	qmerge []qitem
	filler *filler

	pkts    []packet
	freePkt []int32
	ind     map[uint32]indirect
	seqNo   uint32

	userBytes int
	userSeen  []bool
	userMsg   int32

	intentSeen []bool // Serf's leave intent, by node (Config.LeaveIntent)
	intentMsg  int32

	group       []int16 // partition group per node while partitioned
	partitioned bool
	otherSize   []int32 // members across the cut, per node
	deadOther   []int32 // of those, how many the node holds dead or left
	notAlive    []int32 // views not alive, per node (for "healed")

	cals      []calendar // periodic ticks of the initial members
	calsArmed bool

	out     outputs
	stats   Stats
	t0      int64
	horizon int64
	scratch []int32
	krand   []int32  // kRandomNodes's result
	limits  [2]int32 // retransmit limits for N and N+1 members, once computed
}

func newEngine(cfg Config, net Network, sc Scenario, seed uint64) (*engine, error) {
	sc = withDefaults(cfg, sc)
	m := sc.N
	if sc.Event == Join {
		m++
	}
	subjectsNeeded := 1
	switch sc.Event {
	case MassFail:
		subjectsNeeded = int(math.Ceil(sc.FailFraction * float64(sc.N)))
	case Partition:
		subjectsNeeded = sc.N
	}
	if float64(subjectsNeeded)*float64(m) > maxViews {
		return nil, fmt.Errorf("scenario %s with N=%d needs %d x %d views, above the simulator's %g\nhint: use fewer nodes for mass failures and partitions (every node tracks every failed member)",
			sc.Event, sc.N, subjectsNeeded, m, float64(maxViews))
	}
	e := &engine{
		cfg: cfg, net: net, sc: sc, seed: seed,
		rng:       rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d)),
		h:         newEventHeap(int64(net.Latency.max()), int64(cfg.GossipInterval), 3),
		nodes:     make([]node, m),
		outs:      make([]outbox, m),
		pslot:     make([]int32, m),
		oslot:     make([]int32, m),
		m:         int32(m),
		joiner:    -1,
		unsynced:  -1,
		up:        newBitset(m),
		queued:    newBitset(m),
		isSubj:    newBitset(m),
		subj:      make([]int32, m),
		msgIdx:    map[msgKey]int32{},
		ind:       map[uint32]indirect{},
		userBytes: sc.UserEventBytes,
		userMsg:   -1,
		intentMsg: -1,
	}
	for i := range e.subj {
		e.subj[i] = -1
		e.pslot[i], e.oslot[i] = int32(i), int32(i)
		e.outs[i].place = int32(i)
	}
	e.t0 = int64(sc.Warmup)
	e.horizon = e.t0 + int64(sc.Horizon)
	e.cals = []calendar{
		{kind: evProbe, period: int64(cfg.ProbeInterval)},
		{kind: evPushPull, period: int64(pushPullScale(cfg.PushPullInterval, sc.N))},
		{kind: evReconnect, period: int64(cfg.ReconnectInterval)},
	}
	for k := range e.cals {
		e.cals[k].order = make([]int32, 0, sc.N)
		e.cals[k].phase = make([]int64, 0, sc.N)
	}
	for i := range sc.N {
		e.start(int32(i), -int64(e.cfg.GossipInterval)-e.rng.Int64N(int64(max(cfg.PushPullInterval, cfg.ProbeInterval, cfg.GossipInterval))))
	}
	for k := range e.cals {
		e.arm(k)
	}
	e.calsArmed = true
	e.layout()
	if sc.Event == Join {
		e.joiner = int32(sc.N)
		e.unsynced = e.joiner // knows nobody until its join
		s := e.addSubject(e.joiner)
		for i := range s.views {
			s.views[i] = view{} // nobody knows the joiner yet
		}
		clear(s.known)
	}
	e.h.push(event{t: e.t0, kind: evInject})
	return e, nil
}

// maxViews bounds subjects x nodes (16 bytes each): 2^27 views = 2 GiB.
const maxViews = 1 << 27

func withDefaults(cfg Config, sc Scenario) Scenario {
	if sc.UserEventBytes == 0 {
		sc.UserEventBytes = 64
	}
	if sc.Warmup == 0 {
		sc.Warmup = 2 * max(cfg.ProbeInterval, cfg.GossipInterval)
	}
	if sc.Horizon == 0 {
		pp := pushPullScale(cfg.PushPullInterval, sc.N+1)
		h := 30*time.Second + 2*pp
		if sc.Event == Fail || sc.Event == MassFail || sc.Event == Partition {
			min := suspicionTimeout(cfg.SuspicionMult, sc.N, cfg.ProbeInterval)
			h += time.Duration(cfg.SuspicionMaxTimeoutMult)*min + 2*time.Duration(cfg.AwarenessMaxMultiplier)*cfg.ProbeInterval
		}
		sc.Horizon = h + sc.HealAfter + 2*cfg.ReconnectInterval
	}
	return sc
}

func (e *engine) down(i int32) {
	e.up.set(i, false)
	e.setQueue(i, e.box(i), nil)
}

// numNodes is state.go: estNumNodes, the length of the node's member list
// (dead members count until reaped; see doc.go).
func (e *engine) numNodes(i int32) int {
	if i == e.unsynced {
		return 1
	}
	n := e.sc.N
	if e.joiner >= 0 && i != e.joiner && e.knows(i, e.joiner) {
		n++
	}
	if i == e.joiner {
		n++
	}
	return n
}

// viewOf is what i believes about j.
func (e *engine) viewOf(i, j int32) view {
	if e.isSubj.get(j) {
		return e.subjects[e.subj[j]].views[i]
	}
	if i == e.unsynced && i != j {
		return view{}
	}
	return view{state: vAlive, inc: 1}
}

// knows reports whether j is in i's member list: viewOf(i, j).state !=
// vNone, from a bitset.
func (e *engine) knows(i, j int32) bool {
	if e.isSubj.get(j) {
		return e.subjects[e.subj[j]].known.get(i)
	}
	return i != e.unsynced || i == j
}

// addSubject starts tracking every node's view of j.
func (e *engine) addSubject(j int32) *subject {
	if s := e.subj[j]; s >= 0 {
		return &e.subjects[s]
	}
	vs := make([]view, e.m)
	known := newBitset(int(e.m))
	for i := range vs {
		if int32(i) != e.unsynced || int32(i) == j {
			vs[i] = view{state: vAlive, inc: 1}
			known.set(int32(i), true)
		}
	}
	e.subjects = append(e.subjects, subject{node: j, views: vs, known: known, down: newBitset(int(e.m)), sat: newBitset(int(e.m))})
	e.subj[j] = int32(len(e.subjects) - 1)
	e.isSubj.set(j, true)
	return &e.subjects[len(e.subjects)-1]
}

// setView changes what i believes about j and fires memberlist's
// NotifyJoin / NotifyLeave moments (state.go: aliveNode, deadNode).
func (e *engine) setView(i, j int32, state uint8, inc uint32) {
	s := e.addSubject(j)
	v := &s.views[i]
	old := v.state
	v.inc = inc
	if old == state {
		return
	}
	v.state = state
	v.change = e.now
	s.known.set(i, state != vNone)
	s.down.set(i, state == vDead || state == vLeft)
	wasDown := old == vDead || old == vLeft
	isDown := state == vDead || state == vLeft
	switch {
	case state == vAlive && (old == vNone || wasDown):
		e.out.learned(e, chJoin, i, j)
	case isDown && !wasDown:
		e.out.learned(e, chDown, i, j)
	}
	e.countViews(i, j, old, state)
}

func (e *engine) countViews(i, j int32, old, state uint8) {
	if e.notAlive == nil {
		return
	}
	bad := func(s uint8) bool { return s != vAlive && s != vNone }
	down := func(s uint8) bool { return s == vDead || s == vLeft }
	if bad(old) != bad(state) {
		if bad(state) {
			e.notAlive[i]++
		} else {
			e.notAlive[i]--
		}
	}
	if e.group != nil && e.group[i] != e.group[j] && down(old) != down(state) {
		if down(state) {
			e.deadOther[i]++
		} else {
			e.deadOther[i]--
		}
	}
	e.out.partitionCheck(e, i)
}

func (e *engine) run() Result {
	for e.h.len() > 0 {
		ev := e.h.next()
		if ev.t > e.horizon {
			break
		}
		e.now = ev.t
		e.stats.Events++
		e.dispatch(ev)
		if e.now >= e.t0 && e.out.done() {
			break
		}
	}
	e.stats.SimTime = time.Duration(e.now)
	return Result{Seed: e.seed, Scenario: e.sc, Changes: e.out.changes(e), Stats: e.stats}
}

func (e *engine) dispatch(ev event) {
	switch ev.kind {
	case evGossip:
		e.gossip(ev.a, &e.outs[ev.b])
	case evCal:
		e.calTick(ev.a)
	case evProbe, evPushPull, evReconnect:
		e.tick(ev.kind, ev.a, true)
	case evProbeTO:
		e.probeTimeout(ev.a, ev.c)
	case evProbeEnd:
		e.probeEnd(ev.a, ev.c)
	case evIndTO:
		e.indirectTimeout(ev.c)
	case evPacket:
		e.deliver(ev.a)
	case evSuspTO:
		e.suspicionFired(ev.a, ev.b, ev.c)
	case evPPMerge:
		e.merge(ev.a, ev.b, ev.c == 1)
	case evInject:
		e.inject()
	case evHeal:
		e.heal()
	case evLeave:
		e.leave(ev.a)
	}
}

// latency draws a one-way delay.
func (e *engine) latency() int64 { return int64(e.net.Latency.draw(e.rng)) }

// reachable reports whether packets from a get to b (partitions).
func (e *engine) reachable(a, b int32) bool {
	return !e.partitioned || e.group[a] == e.group[b]
}
