package simulator

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// EventKind is the membership change a Scenario injects.
type EventKind int

// Event kinds. Their String forms ("join", "leave", ...) are what
// ParseEventKind accepts.
const (
	// Join: a new node joins a converged cluster by push/pull with one
	// seed member (memberlist.go: Join -> state.go: pushPullNode).
	Join EventKind = iota
	// Leave: a member leaves gracefully (memberlist.go: Leave broadcasts a
	// dead message with Node == From, which receivers record as left).
	Leave
	// Fail: a member crashes silently; the others detect it by probing,
	// suspect it and declare it dead.
	Fail
	// User: a member broadcasts a user event (Serf's user events ride the
	// same transmit-limited gossip as memberlist's own messages).
	User
	// MassFail: Scenario.FailFraction of the members crash at once.
	MassFail
	// Partition: the network splits into Scenario.Groups; after
	// Scenario.HealAfter (if > 0) it heals and Serf's reconnect re-merges.
	Partition
)

var eventNames = [...]string{"join", "leave", "fail", "user", "massfail", "partition"}

func (k EventKind) String() string {
	if k >= 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return fmt.Sprintf("event(%d)", int(k))
}

// ParseEventKind parses "join", "leave", "fail", "user", "massfail" or
// "partition".
func ParseEventKind(s string) (EventKind, error) {
	for i, n := range eventNames {
		if strings.EqualFold(s, n) {
			return EventKind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown event %q\nhint: use one of %s", s, strings.Join(eventNames[:], ", "))
}

// Scenario is one experiment: a converged cluster of N members and one
// injected change.
type Scenario struct {
	// N is the cluster size before the event (a Join adds node N).
	N int
	// Event is what is injected.
	Event EventKind
	// FailFraction is the fraction of members that crash (MassFail).
	FailFraction float64
	// Groups lists the partition's groups as member indices (Partition);
	// members not listed form one more group. Nil splits in two halves.
	Groups [][]int
	// HealAfter heals the partition this long after the injection
	// (Partition); 0 never heals within the horizon.
	HealAfter time.Duration
	// UserEventBytes is the encoded size of a user event (User); 0 = 64.
	UserEventBytes int
	// Warmup is virtual time run before the injection so that tickers,
	// probe lists and queues are in steady state; 0 picks a default of a
	// few probe and gossip periods.
	Warmup time.Duration
	// Horizon bounds virtual time after the injection; observers that have
	// not learned by then are reported as Never. 0 picks a default long
	// enough for the slowest path (suspicion max timeout, push/pull).
	Horizon time.Duration
}

// Validate reports what cannot be simulated.
func (s Scenario) Validate() error {
	var errs []error
	if s.N < 2 {
		errs = append(errs, fmt.Errorf("cluster size %d: need at least 2 members", s.N))
	}
	if s.Event < Join || s.Event > Partition {
		errs = append(errs, fmt.Errorf("unknown event kind %d", int(s.Event)))
	}
	if s.Event == MassFail && (s.FailFraction <= 0 || s.FailFraction >= 1) {
		errs = append(errs, fmt.Errorf("fail fraction %v outside (0, 1)", s.FailFraction))
	}
	if s.Event == Partition {
		seen := map[int]bool{}
		for _, g := range s.Groups {
			for _, m := range g {
				if m < 0 || m >= s.N || seen[m] {
					errs = append(errs, fmt.Errorf("partition member %d out of range or listed twice", m))
				}
				seen[m] = true
			}
		}
	}
	if s.Warmup < 0 || s.Horizon < 0 || s.HealAfter < 0 || s.UserEventBytes < 0 {
		errs = append(errs, errors.New("warmup, horizon, heal-after and user event size must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid scenario: %w\nhint: e.g. Scenario{N: 100, Event: Join}", err)
	}
	return nil
}

// Never is the latency of an observer that did not learn the change within
// the horizon.
const Never time.Duration = -1

// Observation is when one observer learned one change.
type Observation struct {
	// Node is the observer's index (0..N-1; a joiner is N).
	Node int
	// Latency is the virtual time from the injection to the moment the
	// observer learned the change (memberlist's NotifyJoin or NotifyLeave
	// moment), or Never.
	Latency time.Duration
}

// Change is one membership change and who learned it when.
type Change struct {
	// What is "alive" (a join), "left", "dead", "user", "partitioned"
	// (the observer declared every member across the cut failed) or
	// "healed" (the observer again sees every member alive).
	What string
	// Subject is the node the change is about, -1 when there is none.
	Subject int
	// Observers are the nodes expected to learn it: every running member
	// but the subject itself.
	Observers []Observation
}

// Quantile returns the latency by which a fraction q in (0, 1] of the
// observers had learned the change (nearest rank, Never counted as
// infinite), and false when fewer than that had learned it.
func (c Change) Quantile(q float64) (time.Duration, bool) {
	ls := c.sorted()
	if len(ls) == 0 || q <= 0 || q > 1 {
		return Never, false
	}
	k := int(ceilPos(q*float64(len(ls)))) - 1
	if k >= len(ls) {
		k = len(ls) - 1
	}
	if ls[k] == Never {
		return Never, false
	}
	return ls[k], true
}

// Coverage is the fraction of observers that learned the change.
func (c Change) Coverage() float64 {
	if len(c.Observers) == 0 {
		return 0
	}
	k := 0
	for _, o := range c.Observers {
		if o.Latency != Never {
			k++
		}
	}
	return float64(k) / float64(len(c.Observers))
}

// Stats are the run's counters.
type Stats struct {
	// Packets is the number of UDP packets sent (gossip, pings, acks,
	// indirect pings), Bytes their budgeted payload.
	Packets, Bytes int64
	// PushPulls is the number of TCP state exchanges.
	PushPulls int64
	// Events is the number of engine events processed.
	Events int64
	// SimTime is the virtual time simulated, warm-up included.
	SimTime time.Duration
}

// Result is the outcome of one Run.
type Result struct {
	// Seed is the seed the run used.
	Seed uint64
	// Scenario is the scenario, with defaults filled in.
	Scenario Scenario
	// Changes has one entry per change: one for Join, Leave, Fail and
	// User, one per crashed member for MassFail, and for Partition one
	// "partitioned" entry and, if healed, one "healed" entry.
	Changes []Change
	// Stats are the run's counters.
	Stats Stats
}

// Converged merges the changes into one: per observer, the latency at
// which it had learned all of them (Never if it missed one). For a single
// change it is that change.
func (r Result) Converged() Change {
	if len(r.Changes) == 1 {
		return r.Changes[0]
	}
	byNode := map[int]time.Duration{}
	var order []int
	for _, c := range r.Changes {
		for _, o := range c.Observers {
			cur, ok := byNode[o.Node]
			if !ok {
				order = append(order, o.Node)
				byNode[o.Node] = o.Latency
				continue
			}
			if cur == Never || o.Latency == Never {
				byNode[o.Node] = Never
			} else if o.Latency > cur {
				byNode[o.Node] = o.Latency
			}
		}
	}
	out := Change{What: r.Scenario.Event.String(), Subject: -1}
	for _, n := range order {
		out.Observers = append(out.Observers, Observation{Node: n, Latency: byNode[n]})
	}
	return out
}
