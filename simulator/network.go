package simulator

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Network is the simulated network between nodes: one-way latency per packet
// and independent packet loss. Partitions and crashes are events of the
// Scenario, because they start and end at given times.
type Network struct {
	// Latency draws the one-way delay of each packet (UDP) and of each
	// stream leg (TCP push/pull). The zero value is a constant 0.
	Latency Latency
	// Loss is the probability in [0, 1) that a UDP packet is dropped.
	// Push/pull runs over TCP and is not subject to it.
	Loss float64
}

// LatencyKind selects a latency model.
type LatencyKind int

// Latency models.
const (
	// LatencyConstant: every packet takes Latency.Min.
	LatencyConstant LatencyKind = iota
	// LatencyUniform: uniform in [Latency.Min, Latency.Max].
	LatencyUniform
	// LatencySampled: half of a round trip drawn from Latency.RTTs.
	LatencySampled
)

// Latency is a one-way delay model. Build it with ConstantLatency,
// UniformLatency or SampledLatency.
type Latency struct {
	Kind     LatencyKind
	Min, Max time.Duration
	// RTTs are measured round trips; a packet takes half of one drawn at
	// random (LatencySampled).
	RTTs []time.Duration
}

// ConstantLatency returns a model where every packet takes d.
func ConstantLatency(d time.Duration) Latency { return Latency{Kind: LatencyConstant, Min: d, Max: d} }

// UniformLatency returns a model uniform in [lo, hi].
func UniformLatency(lo, hi time.Duration) Latency {
	return Latency{Kind: LatencyUniform, Min: lo, Max: hi}
}

// SampledLatency returns a model drawing half of a measured round trip.
func SampledLatency(rtts []time.Duration) Latency {
	return Latency{Kind: LatencySampled, RTTs: append([]time.Duration(nil), rtts...)}
}

// LANNetwork is a loopback-like network: 0.1 ms to 0.3 ms one way, no loss.
func LANNetwork() Network {
	return Network{Latency: UniformLatency(100*time.Microsecond, 300*time.Microsecond)}
}

// max is the longest delay draw can return.
func (l Latency) max() time.Duration {
	switch l.Kind {
	case LatencyUniform:
		return max(l.Min, l.Max)
	case LatencySampled:
		return slices.Max(l.RTTs) / 2
	default:
		return l.Min
	}
}

func (l Latency) draw(r *rand.Rand) time.Duration {
	switch l.Kind {
	case LatencyUniform:
		if l.Max <= l.Min {
			return l.Min
		}
		return l.Min + time.Duration(r.Int64N(int64(l.Max-l.Min)+1))
	case LatencySampled:
		return l.RTTs[r.IntN(len(l.RTTs))] / 2
	default:
		return l.Min
	}
}

// Validate reports what cannot be simulated.
func (n Network) Validate() error {
	var errs []error
	if n.Loss < 0 || n.Loss >= 1 {
		errs = append(errs, fmt.Errorf("loss %v outside [0, 1)", n.Loss))
	}
	l := n.Latency
	switch l.Kind {
	case LatencyConstant, LatencyUniform:
		if l.Min < 0 || l.Max < l.Min && l.Kind == LatencyUniform {
			errs = append(errs, fmt.Errorf("latency range [%v, %v] invalid", l.Min, l.Max))
		}
	case LatencySampled:
		if len(l.RTTs) == 0 {
			errs = append(errs, errors.New("sampled latency needs at least one round trip"))
		}
		for _, d := range l.RTTs {
			if d < 0 {
				errs = append(errs, fmt.Errorf("negative round trip %v", d))
				break
			}
		}
	default:
		errs = append(errs, fmt.Errorf("unknown latency kind %d", l.Kind))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid network: %w\nhint: latency must be non-negative and loss a fraction such as 0.05", err)
	}
	return nil
}
