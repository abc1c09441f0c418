package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/internal/boundedfile"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// MaxStateSize bounds the state file lab reads (a 1,000-node lab's is
// about 200 KB).
const MaxStateSize = 16 << 20

// stateVersion is bumped when State changes incompatibly.
const stateVersion = 1

// State is what lab records about a lab between commands: the resolved
// assignments and the last known status of each node. It is written
// atomically, under the lab's lock.
type State struct {
	Version  int         `json:"version"`
	Lab      string      `json:"lab"`
	Provider string      `json:"provider"`
	Nodes    []NodeEntry `json:"nodes"`
	// Agent is the agent flavour lab provision last installed ("labagent"
	// or "serf"); empty before any provisioning. See AgentFlavour.
	Agent   string    `json:"agent,omitempty"`
	Updated time.Time `json:"updated"`
}

// AgentFlavour is the agent the lab's nodes run: what provisioning last
// installed, labagent when nothing says otherwise.
func (s *State) AgentFlavour() string {
	if s == nil || s.Agent == "" {
		return "labagent"
	}
	return s.Agent
}

// NodeEntry is one node's assignments and last known status.
type NodeEntry struct {
	Name     string    `json:"name"`
	Hostname string    `json:"hostname"`
	IP       string    `json:"ip"`
	SSHPort  int       `json:"ssh_port"`
	Status   NodeState `json:"status"`
	Agent    string    `json:"agent,omitempty"` // agent state once known
}

// NewState records l's assignments with every node not created.
func NewState(l *Lab) *State {
	st := &State{Version: stateVersion, Lab: l.Spec.Name, Provider: l.Spec.Provider}
	for _, n := range l.Nodes {
		st.Nodes = append(st.Nodes, NodeEntry{
			Name: n.Name, Hostname: n.Hostname, IP: n.IP.String(), SSHPort: n.SSHPort, Status: StateNotCreated,
		})
	}
	return st
}

// Node returns the entry for name, or nil.
func (s *State) Node(name string) *NodeEntry {
	for i := range s.Nodes {
		if s.Nodes[i].Name == name {
			return &s.Nodes[i]
		}
	}
	return nil
}

// LoadState reads the state file; ok is false when there is none.
func LoadState(p Paths) (st *State, ok bool, err error) {
	data, err := boundedfile.ReadFile(p.StateFile(), MaxStateSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read lab state: %w", err)
	}
	st = &State{}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, false, hint.Errorf("the file is lab's own; remove it and run lab up again to rebuild it", "read lab state %s: %w", p.StateFile(), err)
	}
	if st.Version != stateVersion {
		return nil, false, hint.Errorf("use the lab binary that made it, or destroy the lab with it first", "lab state %s has version %d, this lab understands %d", p.StateFile(), st.Version, stateVersion)
	}
	return st, true, nil
}

// SaveState writes st atomically. The caller holds the lab's lock.
func SaveState(p Paths, st *State, now time.Time) error {
	if err := os.MkdirAll(p.StateDir(), 0o755); err != nil {
		return fmt.Errorf("save lab state: %w", err)
	}
	st.Version = stateVersion
	st.Updated = now.UTC()
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("save lab state: %w", err)
	}
	return atomicfile.WriteFile(p.StateFile(), append(data, '\n'), 0o644)
}

// MergeState carries the known status of nodes that keep their name from
// old into next.
func MergeState(old, next *State) *State {
	for i := range next.Nodes {
		if o := old.Node(next.Nodes[i].Name); o != nil && o.IP == next.Nodes[i].IP {
			next.Nodes[i].Status = o.Status
			next.Nodes[i].Agent = o.Agent
		}
	}
	next.Agent = old.Agent
	return next
}
