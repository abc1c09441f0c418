package provision

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The errors of this file say what failed as data, so that the program
// on top (lab) can tell them apart and add what the user can do with its
// own commands and flags; provisioning names none of them.

// ErrNoIdentity is an endpoint without an identity file to log in with.
var ErrNoIdentity = errors.New("no identity file")

// GaveUpError is a dial that kept failing until its time was up: the
// node may still be booting, or its sshd is not running.
type GaveUpError struct {
	Endpoint Endpoint
	Attempts int
	After    time.Duration
	Err      error // why the wait ended (the context's cause)
	Last     error // what the last attempt failed with
}

func (e *GaveUpError) Error() string {
	return fmt.Sprintf("ssh to node %q (%s@%s): gave up after %d attempts in %s: %v (last error: %v)",
		e.Endpoint.Node, e.Endpoint.User, e.Endpoint.Addr(), e.Attempts, e.After.Round(time.Millisecond), e.Err, e.Last)
}

func (e *GaveUpError) Unwrap() error { return e.Err }

// ArchError is a node of an architecture the bundle has no binary for.
type ArchError struct {
	Node    string
	Arch    string // GOARCH
	Machine string // what uname -m said
	Flavour Flavour
	Have    []string // the architectures the bundle has, sorted
}

func (e *ArchError) Error() string {
	return fmt.Sprintf("node %q is linux/%s (uname -m: %s) but there is no %s binary for it (have: %s)",
		e.Node, e.Arch, e.Machine, e.Flavour, strings.Join(e.Have, ", "))
}

// ConstraintError is an uploaded binary whose version does not meet the
// bundle's constraint.
type ConstraintError struct {
	Node       string
	Flavour    Flavour
	Version    string // the version judged
	Why        string // how it was judged, such as " (reported as 0.8.2-dev)"
	Constraint string
}

func (e *ConstraintError) Error() string {
	return fmt.Sprintf("node %q: %s %s%s does not meet the version constraint %q", e.Node, e.Flavour, e.Version, e.Why, e.Constraint)
}

// NoLabIPError is a node none of whose interfaces holds its lab IP: its
// private network is not configured.
type NoLabIPError struct {
	IP   string
	Have []string // the node's interfaces and addresses, "eth0=10.0.2.15"
}

func (e *NoLabIPError) Error() string {
	return fmt.Sprintf("no interface holds the lab IP %s (the node has %s)", e.IP, strings.Join(e.Have, ", "))
}
