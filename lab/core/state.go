package core

import (
	"fmt"
	"strings"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/provision"
)

// stateFile is the lab's state as one session sees it: read once when the
// session opens, changed in memory, written when a phase ends (and by
// Close) if it changed.
type stateFile struct {
	st *lab.State
	// prev is the file as read (nil: none, or unreadable).
	prev *lab.State
	// had: the file existed and was read.
	had bool
	// err: the file exists but cannot be read (truncated, not JSON, of
	// another version); st is then a fresh state.
	err   error
	dirty bool
	// replace: write over an unreadable file (destroy starts afresh).
	replace bool
}

// loadStateFile reads the state of l: the file's known statuses and
// agents over l's current assignments.
func loadStateFile(l *lab.Lab) *stateFile {
	old, ok, err := lab.LoadState(l.Paths)
	s := &stateFile{st: lab.NewState(l), prev: old, had: ok, err: err}
	if ok {
		s.st = lab.MergeState(old, s.st)
		keepMade(old, s.st)
	}
	s.st.Provider = l.Spec.Provider
	s.dirty = !ok
	return s
}

// keepMade keeps the recorded entries of nodes that were made with other
// addresses than lab.hcl now gives: a node keeps the address it was made
// with until it is destroyed, and the record must say so (checkMoved
// compares them with lab.hcl).
func keepMade(old, next *lab.State) {
	for i, n := range next.Nodes {
		if o := old.Node(n.Name); o != nil && o.IP != n.IP && o.Status != lab.StateNotCreated && o.Status != "" {
			next.Nodes[i] = *o
		}
	}
}

// StateError is a state file that cannot be read.
type StateError struct {
	Path string
	Err  error
}

func (e *StateError) Error() string {
	return fmt.Sprintf("lab state %s is unreadable: %v", e.Path, e.Err)
}
func (e *StateError) Unwrap() error { return e.Err }

// stateErr is the error of a command that needs the state when it is
// unreadable, with what to do.
func (c *Lab) stateErr() error {
	if c.state.err == nil {
		return nil
	}
	return hint.Wrap(&StateError{Path: c.Paths.StateFile(), Err: c.state.err},
		"lab destroy --force removes the lab without it; or remove the file and run lab up, which rebuilds it from what runs")
}

// StateWarning says, for a command that does without it, that the state
// file is unreadable; nil when it is fine.
func (c *Lab) StateWarning() error { return c.stateErr() }

// State is the lab's state as this session knows it.
func (c *Lab) State() *lab.State { return c.state.st }

// Flavour is the agent the lab's nodes run: what provisioning last
// installed (labagent when nothing says otherwise).
func (c *Lab) Flavour() (provision.Flavour, error) {
	return provision.ParseFlavour(c.state.st.AgentFlavour())
}

func (s *stateFile) recordStatus(statuses []lab.NodeStatus) {
	for _, st := range statuses {
		if n := s.st.Node(st.Node); n != nil && n.Status != st.State {
			n.Status = st.State
			s.dirty = true
		}
	}
}

// lastFailed marks an agent whose node's last provisioning failed.
const lastFailed = " (last provision failed)"

// recordAgents notes what runs on each node, for the AGENT column of lab
// status.
func (s *stateFile) recordAgents(flavour provision.Flavour, results []provision.Result) {
	for _, r := range results {
		n := s.st.Node(r.Node)
		switch {
		case n == nil:
		case r.Err != nil:
			// A failed provision leaves the previous agent in place.
			prev := strings.TrimSuffix(n.Agent, lastFailed)
			if prev == "" || prev == "provision failed" {
				n.Agent = "provision failed"
			} else {
				n.Agent = prev + lastFailed
			}
		default:
			n.Agent = string(flavour) + " " + r.Version
			s.st.Agent = string(flavour)
		}
	}
	s.dirty = true
}

// saveState writes the state when it changed since it was read or last
// written, in sessions that hold the lab's lock. An unreadable state file
// is left alone unless the session replaced it (destroy).
func (c *Lab) saveState() error {
	s := c.state
	if c.lock == nil || !s.dirty || (s.err != nil && !s.replace) {
		return nil // read-only sessions do not write; nor over what cannot be read
	}
	if err := lab.SaveState(c.Paths, s.st, c.now()); err != nil {
		return err
	}
	c.writes++
	s.dirty, s.had = false, true
	return nil
}

// HasState reports whether the lab had a state file when the session
// opened it.
func (c *Lab) HasState() bool { return c.state.had }
