package bench

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/simulator"
)

// Backend runs experiments of one kind: a real cluster, the simulator or a
// closed-form model. The lab backend (a running lab driven through chaos)
// implements the same interface.
type Backend interface {
	// Name is the backend's name in flags and results ("memberlist").
	Name() string
	// Run performs spec.Runs runs of spec.Event on spec.N nodes and calls
	// done with the samples of each run as soon as it finishes (done is
	// never called concurrently). When ctx is cancelled it stops and
	// returns ctx.Err(); runs already passed to done stay valid.
	Run(ctx context.Context, spec Spec, done func(run int, samples []Sample)) error
}

// Deterministic is implemented by backends whose runs all give the same
// samples (closed-form models): they run once, whatever Spec.Runs says.
type Deterministic interface {
	Deterministic() bool
}

// EventFilter is implemented by backends that cannot run every event.
type EventFilter interface {
	Supports(ev Event) bool
}

// Spec describes one group of runs.
type Spec struct {
	Event Event
	// N is the cluster size before the event: a join adds node N+1; a
	// leave, fail or user event concerns one of the N nodes. Observers are
	// every running node but the event's subject.
	N       int
	Runs    int
	Seed    uint64 // runs derive their seeds from it
	Profile Profile
	// Timeout is how long a run waits for every observer to learn the
	// event; 0 derives it from the profile (see Profile.Timeout).
	Timeout time.Duration
}

// RunTimeout returns the spec's timeout, derived from the profile when
// unset.
func (s Spec) RunTimeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return s.Profile.Timeout(s.Event, s.N)
}

// Profile is a named set of memberlist knobs (memberlist's LAN, WAN or
// Local configuration with overrides) and the network's packet loss.
type Profile struct {
	Name   string
	Config simulator.Config
	// Loss is the fraction of UDP packets dropped, in [0, 1).
	Loss float64
}

// NewProfile returns the named preset: lan, wan or local.
func NewProfile(name string) (Profile, error) {
	cfg, err := simulator.Preset(name)
	if err != nil {
		return Profile{}, err
	}
	return Profile{Name: strings.ToLower(name), Config: cfg}, nil
}

// Timeout is how long a run of ev on n nodes may reasonably take under the
// profile. Dissemination gets max(5 s, 25 gossip intervals), times
// log10(n)/3 from 1,000 nodes: it takes log n rounds, and a leave first
// sends Serf's intent out RetransmitMult * ceil(log10(n+1)) times (a
// simulated leave reaches every one of a million nodes in about 3.4 s; the
// timeout there is 10 s). A crash adds three probe intervals and memberlist's maximum
// suspicion timeout (SuspicionMaxTimeoutMult * SuspicionMult * max(1,
// log10 n) * ProbeInterval, memberlist util.go suspicionTimeout and
// suspicion.go). Runs stop as soon as every observer has learned the
// event, so a generous timeout only costs time when some observer never
// learns.
func (p Profile) Timeout(ev Event, n int) time.Duration {
	c := p.Config
	dissem := max(5*time.Second, 25*c.GossipInterval)
	dissem = time.Duration(float64(dissem) * max(1, math.Log10(float64(n))/3))
	if ev != EventFail {
		return dissem
	}
	susp := time.Duration(float64(c.SuspicionMaxTimeoutMult*c.SuspicionMult) *
		max(1, math.Log10(float64(n))) * float64(c.ProbeInterval))
	return 3*c.ProbeInterval + susp + dissem
}

// Registry maps backend names to backends, in the order they are listed.
type Registry struct {
	names    []string
	backends map[string]Backend
}

// NewRegistry returns a registry of bs.
func NewRegistry(bs ...Backend) *Registry {
	r := &Registry{backends: map[string]Backend{}}
	for _, b := range bs {
		r.Add(b)
	}
	return r
}

// Add registers b after the others.
func (r *Registry) Add(b Backend) {
	r.names = append(r.names, b.Name())
	r.backends[b.Name()] = b
}

// Names lists the registered backends.
func (r *Registry) Names() []string { return slices.Clone(r.names) }

// Lookup returns the named backends, or an error naming the valid ones.
func (r *Registry) Lookup(names []string) ([]Backend, error) {
	var out []Backend
	for _, n := range names {
		b, ok := r.backends[n]
		if !ok {
			return nil, fmt.Errorf("unknown backend %q\nhint: valid backends are %s", n, strings.Join(r.names, ", "))
		}
		if slices.Contains(out, b) {
			return nil, fmt.Errorf("backend %q listed twice", n)
		}
		out = append(out, b)
	}
	return out, nil
}

// observerName names node i in samples.
func observerName(i int) string { return fmt.Sprintf("node-%d", i) }

// DefaultRegistry holds the backends bench runs on any machine; log
// receives the memberlist agents' logs. cmd/bench adds the lab backend,
// built with the providers.
func DefaultRegistry(log *slog.Logger) *Registry {
	return NewRegistry(NewMemberlist(log, defaultSubnet), Sim{}, SerfFormula{}, LowerBound{})
}

// defaultSubnet is the third octet of the memberlist backend's addresses.
const defaultSubnet = 100
