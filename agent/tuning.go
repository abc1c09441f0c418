package agent

import (
	"time"

	"github.com/hashicorp/memberlist"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// Tuning holds the memberlist timers a profile sets. Bench and tests
// override single fields; zero fields mean "the profile's value".
type Tuning struct {
	GossipInterval   time.Duration `json:"gossip_interval"`
	GossipNodes      int           `json:"gossip_nodes"`
	ProbeInterval    time.Duration `json:"probe_interval"`
	ProbeTimeout     time.Duration `json:"probe_timeout"`
	SuspicionMult    int           `json:"suspicion_mult"`
	RetransmitMult   int           `json:"retransmit_mult"`
	PushPullInterval time.Duration `json:"push_pull_interval"`
	IndirectChecks   int           `json:"indirect_checks"`
	TCPTimeout       time.Duration `json:"tcp_timeout"`
	GossipToTheDead  time.Duration `json:"gossip_to_the_dead"`
}

// TuningOf returns the timers memberlist configuration c sets. With
// Tuning.apply it is the one place that names memberlist's fields.
func TuningOf(c *memberlist.Config) Tuning {
	return Tuning{
		GossipInterval:   c.GossipInterval,
		GossipNodes:      c.GossipNodes,
		ProbeInterval:    c.ProbeInterval,
		ProbeTimeout:     c.ProbeTimeout,
		SuspicionMult:    c.SuspicionMult,
		RetransmitMult:   c.RetransmitMult,
		PushPullInterval: c.PushPullInterval,
		IndirectChecks:   c.IndirectChecks,
		TCPTimeout:       c.TCPTimeout,
		GossipToTheDead:  c.GossipToTheDeadTime,
	}
}

// apply sets t's non-zero timers on c; its zero fields leave c's values.
func (t Tuning) apply(c *memberlist.Config) {
	dur := func(dst *time.Duration, v time.Duration) {
		if v != 0 {
			*dst = v
		}
	}
	num := func(dst *int, v int) {
		if v != 0 {
			*dst = v
		}
	}
	dur(&c.GossipInterval, t.GossipInterval)
	num(&c.GossipNodes, t.GossipNodes)
	dur(&c.ProbeInterval, t.ProbeInterval)
	dur(&c.ProbeTimeout, t.ProbeTimeout)
	num(&c.SuspicionMult, t.SuspicionMult)
	num(&c.RetransmitMult, t.RetransmitMult)
	dur(&c.PushPullInterval, t.PushPullInterval)
	num(&c.IndirectChecks, t.IndirectChecks)
	dur(&c.TCPTimeout, t.TCPTimeout)
	dur(&c.GossipToTheDeadTime, t.GossipToTheDead)
}

// profileConfig is memberlist's configuration of a named profile: "lan"
// (the default, memberlist.DefaultLANConfig), "wan" or "local".
func profileConfig(name string) (*memberlist.Config, error) {
	switch name {
	case "", "lan":
		return memberlist.DefaultLANConfig(), nil
	case "wan":
		return memberlist.DefaultWANConfig(), nil
	case "local":
		return memberlist.DefaultLocalConfig(), nil
	}
	return nil, hint.Errorf("use one of lan, wan, local", "unknown profile %q", name)
}

// ProfileTuning returns the timers of a named profile: "lan" (the
// default, memberlist.DefaultLANConfig), "wan" or "local".
func ProfileTuning(name string) (Tuning, error) {
	c, err := profileConfig(name)
	if err != nil {
		return Tuning{}, err
	}
	return TuningOf(c), nil
}

// memberlistConfig is the configuration of profile with t's non-zero
// timers over it.
func (t Tuning) memberlistConfig(profile string) (*memberlist.Config, error) {
	c, err := profileConfig(profile)
	if err != nil {
		return nil, err
	}
	t.apply(c)
	return c, nil
}
