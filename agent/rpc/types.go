package rpc

import (
	"time"
)

// The wire types: what the agent answers and what `labagent members`,
// `journal` and `info` print with -format json. They are declared here
// only; the agent, provisioning and lab chaos use them (or embed them
// where they keep more), so that a change of the wire shows everywhere.

// Member is one member as `members -format json` prints it. Serf's
// `members -format json` fits it too: the same keys, without since and
// delegate.
type Member struct {
	Name     string            `json:"name"`
	Addr     string            `json:"addr"` // ip:port
	Port     uint16            `json:"port"`
	Tags     map[string]string `json:"tags"`
	Status   string            `json:"status"` // alive, leaving, left, failed
	Since    time.Time         `json:"since"`  // when the observer last changed the status
	Protocol Versions          `json:"protocol"`
	Delegate Versions          `json:"delegate"`
}

// Versions are protocol versions memberlist reports: the range a member
// speaks and the one it uses, for memberlist's protocol (Member.Protocol)
// and for the agent's own messages (Member.Delegate).
type Versions struct {
	Min     uint8 `json:"min"`
	Max     uint8 `json:"max"`
	Version uint8 `json:"version"`
}

// MembersResult is the answer to members.
type MembersResult struct {
	Members []Member `json:"members"`
}

// Entry is one journal entry: what the agent observed, stamped when
// memberlist delivered it to the agent.
type Entry struct {
	Seq  uint64    `json:"seq"`  // 1, 2, 3 ... per agent run
	Time time.Time `json:"time"` // the agent's wall clock
	// UnixNano is Time as Unix nanoseconds.
	UnixNano int64 `json:"unix_nano"`
	// MonoNs is the monotonic time since the agent was created, in ns.
	MonoNs int64 `json:"mono_ns"`
	// Type is member-join, member-leave, member-failed, member-update,
	// member-suspect, member-reap or user.
	Type string `json:"type"`
	// Node is the subject: the member that joined, left, failed... or, for
	// a user event, the agent that sent it (Addr is then its address).
	Node string `json:"node"`
	Addr string `json:"addr"` // ip:port, or empty when unknown
	// Name and LTime are set for user events.
	Name  string `json:"name,omitempty"`
	LTime uint64 `json:"ltime,omitempty"`
}

// Info is the answer to info: the agent's state.
type Info struct {
	Node      string            `json:"node"`
	Addr      string            `json:"addr"` // ip:port it advertises
	Version   string            `json:"version"`
	Protocol  int               `json:"protocol"`
	Profile   string            `json:"profile"`
	Tags      map[string]string `json:"tags"`
	Encrypted bool              `json:"encrypted"`
	Members   map[string]int    `json:"members"` // count per status
	Fault     Fault             `json:"fault"`
	FaultText string            `json:"fault_text"`
	// Problems are the address and key problems the agent found, each
	// "key: message" and a "hint: ..." line.
	Problems        []string `json:"problems"`
	JournalFirstSeq uint64   `json:"journal_first_seq"`
	JournalLastSeq  uint64   `json:"journal_last_seq"`
	JournalSize     int      `json:"journal_size"`
	EventClock      uint64   `json:"event_clock"`
	// HealthScore is memberlist's Lifeguard awareness (0 is healthy; each
	// point stretches the agent's probe interval and timeouts by one more
	// probe interval).
	HealthScore int           `json:"health_score"`
	Uptime      time.Duration `json:"uptime_ns"`
	RPCAddr     string        `json:"rpc_addr"`
}
