package simulator

import (
	"errors"
	"fmt"
	"time"
)

// Config holds memberlist's protocol knobs, with the same names and meaning
// as memberlist.Config (github.com/hashicorp/memberlist v0.7.0, config.go).
// Start from a preset (LAN, WAN, Local) and override fields; the zero value
// is not useful.
type Config struct {
	// GossipInterval is the period of each node's gossip ticker; each node
	// ticks with its own random phase (state.go: schedule, triggerFunc).
	GossipInterval time.Duration
	// GossipNodes is the number of random peers per gossip tick.
	GossipNodes int
	// GossipToTheDeadTime is how long dead nodes remain gossip targets.
	GossipToTheDeadTime time.Duration
	// RetransmitMult scales the retransmit limit:
	// RetransmitMult * ceil(log10(N+1)) sends per update (util.go: retransmitLimit).
	RetransmitMult int

	// ProbeInterval is the failure-detector period; 0 disables probing.
	ProbeInterval time.Duration
	// ProbeTimeout is how long a direct ping waits for its ack.
	ProbeTimeout time.Duration
	// IndirectChecks is the number of peers asked to ping on our behalf.
	IndirectChecks int
	// SuspicionMult scales the minimum suspicion timeout:
	// SuspicionMult * max(1, log10 N) * ProbeInterval (util.go: suspicionTimeout).
	SuspicionMult int
	// SuspicionMaxTimeoutMult gives the maximum suspicion timeout as a
	// multiple of the minimum (suspicion.go: newSuspicion).
	SuspicionMaxTimeoutMult int
	// AwarenessMaxMultiplier caps the Lifeguard health score (awareness.go).
	AwarenessMaxMultiplier int
	// DisableTCPPings disables the TCP fallback ping of probeNode.
	DisableTCPPings bool

	// PushPullInterval is the anti-entropy period before scaling
	// (util.go: pushPullScale); 0 disables push/pull.
	PushPullInterval time.Duration

	// UDPBufferSize is the packet budget in bytes for a gossip packet and
	// for the piggyback space on pings and acks.
	UDPBufferSize int

	// ReconnectInterval is Serf's reconnect period: every interval each node
	// tries a push/pull join with one random failed member. It is what heals
	// a partition (memberlist alone never re-merges). 0 disables it.
	ReconnectInterval time.Duration

	// LeaveIntent makes a leave Serf's (serf.go: Leave, as labagent's
	// agent.Leave does too): the leaving node first broadcasts a leave
	// intent, which every member rebroadcasts once, and calls memberlist's
	// Leave only when its own queue has sent the intent out
	// (RetransmitMult x ceil(log10(N+1)) transmits); observers learn the
	// leave from memberlist's dead message as before, only later. False is
	// memberlist's Leave alone. The presets set it: every agent gossiplab
	// measures leaves this way.
	LeaveIntent bool

	// LockStep makes every node tick in phase (all gossip ticks at multiples
	// of GossipInterval): the synchronous-rounds model of the textbooks, and
	// what a real cluster created in a tight loop does. Default false.
	LockStep bool
}

// LAN returns memberlist.DefaultLANConfig's protocol knobs (config.go).
func LAN() Config {
	return Config{
		GossipInterval:          200 * time.Millisecond,
		GossipNodes:             3,
		GossipToTheDeadTime:     30 * time.Second,
		RetransmitMult:          4,
		ProbeInterval:           1 * time.Second,
		ProbeTimeout:            500 * time.Millisecond,
		IndirectChecks:          3,
		SuspicionMult:           4,
		SuspicionMaxTimeoutMult: 6,
		AwarenessMaxMultiplier:  8,
		PushPullInterval:        30 * time.Second,
		UDPBufferSize:           1400,
		ReconnectInterval:       30 * time.Second, // serf.DefaultConfig
		LeaveIntent:             true,
	}
}

// WAN returns memberlist.DefaultWANConfig's protocol knobs (config.go).
func WAN() Config {
	c := LAN()
	c.SuspicionMult = 6
	c.PushPullInterval = 60 * time.Second
	c.ProbeTimeout = 3 * time.Second
	c.ProbeInterval = 5 * time.Second
	c.GossipNodes = 4
	c.GossipInterval = 500 * time.Millisecond
	c.GossipToTheDeadTime = 60 * time.Second
	return c
}

// Local returns memberlist.DefaultLocalConfig's protocol knobs (config.go).
func Local() Config {
	c := LAN()
	c.IndirectChecks = 1
	c.RetransmitMult = 2
	c.SuspicionMult = 3
	c.PushPullInterval = 15 * time.Second
	c.ProbeTimeout = 200 * time.Millisecond
	c.ProbeInterval = time.Second
	c.GossipInterval = 100 * time.Millisecond
	c.GossipToTheDeadTime = 15 * time.Second
	return c
}

// Preset returns the named preset: "lan", "wan" or "local".
func Preset(name string) (Config, error) {
	switch name {
	case "lan", "LAN":
		return LAN(), nil
	case "wan", "WAN":
		return WAN(), nil
	case "local", "Local":
		return Local(), nil
	}
	return Config{}, fmt.Errorf("unknown profile %q\nhint: use lan, wan or local", name)
}

// Validate reports every knob that cannot run.
func (c Config) Validate() error {
	var errs []error
	if c.GossipInterval <= 0 || c.GossipNodes <= 0 {
		errs = append(errs, errors.New("gossip interval and gossip nodes must be positive (memberlist would never gossip)"))
	}
	if c.RetransmitMult <= 0 {
		errs = append(errs, errors.New("retransmit mult must be positive"))
	}
	if c.ProbeInterval < 0 || c.ProbeTimeout < 0 || c.PushPullInterval < 0 || c.GossipToTheDeadTime < 0 || c.ReconnectInterval < 0 {
		errs = append(errs, errors.New("intervals and timeouts must not be negative"))
	}
	if c.ProbeInterval > 0 {
		if c.ProbeTimeout <= 0 || c.ProbeTimeout > c.ProbeInterval {
			errs = append(errs, fmt.Errorf("probe timeout %v must be in (0, probe interval %v]", c.ProbeTimeout, c.ProbeInterval))
		}
		if c.SuspicionMult <= 0 || c.SuspicionMaxTimeoutMult <= 0 {
			errs = append(errs, errors.New("suspicion mult and suspicion max timeout mult must be positive"))
		}
		if c.AwarenessMaxMultiplier <= 0 {
			errs = append(errs, errors.New("awareness max multiplier must be positive"))
		}
		if c.IndirectChecks < 0 {
			errs = append(errs, errors.New("indirect checks must not be negative"))
		}
	}
	if c.UDPBufferSize < 128 {
		errs = append(errs, fmt.Errorf("udp buffer size %d too small (memberlist default 1400)", c.UDPBufferSize))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid config: %w\nhint: start from simulator.LAN() and override only what you need", err)
	}
	return nil
}
