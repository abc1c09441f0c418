package chaos

import (
	"math"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// Timing is the part of an agent profile that sets how fast failures are
// detected: memberlist's values for its LAN, WAN and Local configs.
type Timing struct {
	ProbeInterval           time.Duration
	SuspicionMult           int
	SuspicionMaxTimeoutMult int
	PushPullInterval        time.Duration
}

// ProfileTiming returns the timers of the agent profile lan, wan or local
// (memberlist's DefaultLANConfig, DefaultWANConfig, DefaultLocalConfig).
func ProfileTiming(profile string) (Timing, error) {
	switch profile {
	case "lan", "":
		return Timing{ProbeInterval: time.Second, SuspicionMult: 4, SuspicionMaxTimeoutMult: 6, PushPullInterval: 30 * time.Second}, nil
	case "wan":
		return Timing{ProbeInterval: 5 * time.Second, SuspicionMult: 6, SuspicionMaxTimeoutMult: 6, PushPullInterval: 60 * time.Second}, nil
	case "local":
		return Timing{ProbeInterval: time.Second, SuspicionMult: 3, SuspicionMaxTimeoutMult: 6, PushPullInterval: 15 * time.Second}, nil
	}
	return Timing{}, hint.Errorf("use lan, wan or local", "unknown agent profile %q", profile)
}

// SuspicionBounds is memberlist's suspicion timeout for a cluster of n:
// SuspicionMult * max(1, log10(n)) * ProbeInterval at least (when enough
// peers confirm the suspicion), SuspicionMaxTimeoutMult times that at
// most. LAN with 10 nodes: 4 s .. 24 s.
func (t Timing) SuspicionBounds(n int) (lo, hi time.Duration) {
	scale := math.Max(1, math.Log10(math.Max(1, float64(n))))
	lo = time.Duration(float64(t.SuspicionMult) * scale * float64(t.ProbeInterval))
	return lo, lo * time.Duration(t.SuspicionMaxTimeoutMult)
}

// DefaultTimeout is how long to wait for every observer to notice a, in a
// cluster of n: failures take at most the longest suspicion timeout, plus
// two probe intervals to be probed and a few seconds to spread; joins and
// merges also wait for a boot and up to two push-pull rounds.
func (t Timing) DefaultTimeout(a Action, n int) time.Duration {
	_, hi := t.SuspicionBounds(n)
	detect := hi + 2*t.ProbeInterval + 5*time.Second
	switch a.Expects() {
	case ExpectDown:
		return detect
	case ExpectUp:
		return detect + 2*t.PushPullInterval
	}
	return detect
}
