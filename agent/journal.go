package agent

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

// EntryType says what a journal entry records.
type EntryType uint8

// The journal entry types. Their text forms are what `labagent journal`
// prints and what LAB_EVENT holds for handlers.
const (
	EntryMemberJoin    EntryType = iota + 1 // a member became alive (joined or came back)
	EntryMemberLeave                        // a member left gracefully (or was force-left)
	EntryMemberFailed                       // a member was declared dead by failure detection
	EntryMemberUpdate                       // a member changed its tags
	EntryMemberSuspect                      // this agent's probe of a member failed; it is now suspected
	EntryMemberReap                         // a failed or left member was removed after its window
	EntryUser                               // a user event was delivered
)

// String returns the type's name, such as "member-join".
func (t EntryType) String() string {
	switch t {
	case EntryMemberJoin:
		return "member-join"
	case EntryMemberLeave:
		return "member-leave"
	case EntryMemberFailed:
		return "member-failed"
	case EntryMemberUpdate:
		return "member-update"
	case EntryMemberSuspect:
		return "member-suspect"
	case EntryMemberReap:
		return "member-reap"
	case EntryUser:
		return "user"
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (t EntryType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *EntryType) UnmarshalText(b []byte) error {
	typ, ok := ParseEntryType(string(b))
	if !ok {
		return &unknownEntryTypeError{name: string(b)}
	}
	*t = typ
	return nil
}

// ParseEntryType returns the type named s ("member-join", "user", ...).
func ParseEntryType(s string) (EntryType, bool) {
	for t := EntryMemberJoin; t <= EntryUser; t++ {
		if t.String() == s {
			return t, true
		}
	}
	return 0, false
}

type unknownEntryTypeError struct{ name string }

func (e *unknownEntryTypeError) Error() string {
	return "unknown journal entry type " + `"` + e.name + `"`
}

// Entry is one thing the agent observed, stamped when memberlist delivered
// it to the agent (no coalescing delay). It is the journal's record, with
// its type and address kept typed so that appending allocates nothing;
// Wire gives the form that crosses the RPC (rpc.Entry).
type Entry struct {
	Seq  uint64    // 1, 2, 3 ... per agent run
	Time time.Time // wall clock; in-process it keeps the monotonic reading
	// UnixNano is Time as Unix nanoseconds (what crosses process boundaries).
	UnixNano int64
	// MonoNs is the monotonic time since the agent was created, in ns.
	MonoNs int64
	Type   EntryType
	// Node is the subject: the member that joined, left, failed... or, for
	// a user event, the agent that sent it (Addr is then its address).
	Node string
	Addr netip.AddrPort
	// Name and LTime are set for user events.
	Name  string
	LTime uint64
}

// Wire is e as the journal command answers it.
func (e Entry) Wire() rpc.Entry {
	var addr string
	if e.Addr.IsValid() {
		addr = e.Addr.String()
	}
	return rpc.Entry{Seq: e.Seq, Time: e.Time, UnixNano: e.UnixNano, MonoNs: e.MonoNs, Type: e.Type.String(),
		Node: e.Node, Addr: addr, Name: e.Name, LTime: e.LTime}
}

// Journal is a bounded ring of entries. Append never blocks on readers and
// does not allocate; readers copy out what they need.
type Journal struct {
	start time.Time

	mu      sync.Mutex
	ring    []Entry
	next    uint64 // seq of the next entry
	waiters []chan struct{}
}

// NewJournal returns a journal holding the last size entries; start is the
// origin of Entry.MonoNs.
func NewJournal(size int, start time.Time) *Journal {
	if size < 1 {
		size = 1
	}
	return &Journal{start: start, ring: make([]Entry, size), next: 1}
}

// Append records an entry stamped now and returns its sequence number.
// e.Seq, e.Time, e.UnixNano and e.MonoNs are overwritten.
func (j *Journal) Append(e Entry) uint64 {
	now := time.Now()
	e.Time = now
	e.UnixNano = now.UnixNano()
	e.MonoNs = int64(now.Sub(j.start))
	j.mu.Lock()
	e.Seq = j.next
	j.next++
	j.ring[e.Seq%uint64(len(j.ring))] = e
	for _, w := range j.waiters {
		select {
		case w <- struct{}{}:
		default:
		}
	}
	j.mu.Unlock()
	return e.Seq
}

// LastSeq is the sequence number of the newest entry, 0 when empty.
func (j *Journal) LastSeq() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.next - 1
}

// FirstSeq is the sequence number of the oldest entry still held, 0 when
// empty.
func (j *Journal) FirstSeq() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.firstLocked()
}

func (j *Journal) firstLocked() uint64 {
	if j.next == 1 {
		return 0
	}
	if n := uint64(len(j.ring)); j.next-1 > n {
		return j.next - n
	}
	return 1
}

// Since returns the entries held with Seq > seq, oldest first. Entries that
// have already been overwritten are skipped: compare the first Seq with
// seq+1 to detect a gap.
func (j *Journal) Since(seq uint64) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	first := j.firstLocked()
	if first == 0 {
		return nil
	}
	if seq+1 > first {
		first = seq + 1
	}
	if first >= j.next {
		return nil
	}
	out := make([]Entry, 0, j.next-first)
	for s := first; s < j.next; s++ {
		out = append(out, j.ring[s%uint64(len(j.ring))])
	}
	return out
}

// Snapshot returns every entry held, oldest first.
func (j *Journal) Snapshot() []Entry { return j.Since(0) }

// Wait blocks until the journal holds an entry with Seq > seq, or ctx ends.
func (j *Journal) Wait(ctx context.Context, seq uint64) error {
	ch, cancel := j.Notify()
	defer cancel()
	for {
		if j.LastSeq() > seq {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Notify returns a channel that receives (coalesced) wake-ups after
// appends, and a func to stop them.
func (j *Journal) Notify() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	j.mu.Lock()
	j.waiters = append(j.waiters, ch)
	j.mu.Unlock()
	return ch, func() {
		j.mu.Lock()
		defer j.mu.Unlock()
		for i, w := range j.waiters {
			if w == ch {
				j.waiters = append(j.waiters[:i], j.waiters[i+1:]...)
				return
			}
		}
	}
}
