package rpc

import "time"

// Member is one member as `members -format json` prints it.
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

// Versions are protocol versions memberlist reports.
type Versions struct {
	Min     uint8 `json:"min"`
	Max     uint8 `json:"max"`
	Version uint8 `json:"version"`
}

// MembersResult is the answer to members.
type MembersResult struct {
	Members []Member `json:"members"`
}

// Entry is one journal entry (the JSON form of agent.Entry).
type Entry struct {
	Seq      uint64    `json:"seq"`
	Time     time.Time `json:"time"`
	UnixNano int64     `json:"unix_nano"`
	MonoNs   int64     `json:"mono_ns"`
	Type     string    `json:"type"`
	Node     string    `json:"node"`
	Addr     string    `json:"addr"`
	Name     string    `json:"name,omitempty"`
	LTime    uint64    `json:"ltime,omitempty"`
}

// Fault is the fault injection state (the JSON form of agent.Fault;
// Delay in nanoseconds).
type Fault struct {
	Loss      float64       `json:"loss,omitempty"`
	Partition []string      `json:"partition,omitempty"`
	Delay     time.Duration `json:"delay,omitempty"`
}

// Info is the answer to info (the JSON form of agent.Info).
type Info struct {
	Node            string            `json:"node"`
	Addr            string            `json:"addr"`
	Version         string            `json:"version"`
	Protocol        int               `json:"protocol"`
	Profile         string            `json:"profile"`
	Tags            map[string]string `json:"tags"`
	Encrypted       bool              `json:"encrypted"`
	Members         map[string]int    `json:"members"`
	Fault           Fault             `json:"fault"`
	FaultText       string            `json:"fault_text"`
	Problems        []string          `json:"problems"`
	JournalFirstSeq uint64            `json:"journal_first_seq"`
	JournalLastSeq  uint64            `json:"journal_last_seq"`
	JournalSize     int               `json:"journal_size"`
	EventClock      uint64            `json:"event_clock"`
	HealthScore     int               `json:"health_score"`
	Uptime          time.Duration     `json:"uptime_ns"`
	RPCAddr         string            `json:"rpc_addr"`
}
