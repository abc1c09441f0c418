package rpc

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// Fault is the fault injection state of an agent's transport: the answer
// to fault, and part of Info (Delay in nanoseconds). The zero value
// injects nothing.
type Fault struct {
	// Loss drops this fraction (0..1) of the gossip packets the agent
	// sends (UDP; streams are reliable). Set on every agent, a packet is
	// lost with probability Loss per hop.
	Loss float64 `json:"loss,omitempty"`
	// Partition drops every packet and stream to or from these members
	// (matched by their IP address, so they need distinct IPs). Set on one
	// side only it still cuts both directions.
	Partition []string `json:"partition,omitempty"`
	// Delay holds every packet the agent sends, and every stream it
	// opens, for this long.
	Delay time.Duration `json:"delay,omitempty"`
}

// Active reports whether f injects anything.
func (f Fault) Active() bool { return f.Loss > 0 || len(f.Partition) > 0 || f.Delay > 0 }

// String describes f for `info`, such as "loss=0.3 delay=50ms" or "none".
func (f Fault) String() string {
	if !f.Active() {
		return "none"
	}
	var parts []string
	if f.Loss > 0 {
		parts = append(parts, fmt.Sprintf("loss=%g", f.Loss))
	}
	if len(f.Partition) > 0 {
		parts = append(parts, "partition="+strings.Join(f.Partition, ","))
	}
	if f.Delay > 0 {
		parts = append(parts, "delay="+f.Delay.String())
	}
	return strings.Join(parts, " ")
}

// Validate checks the ranges.
func (f Fault) Validate() error {
	var errs []error
	if f.Loss < 0 || f.Loss > 1 {
		errs = append(errs, hint.Errorf("use a value from 0 to 1, such as -loss 0.3", "loss %g is not a fraction", f.Loss))
	}
	if f.Delay < 0 || f.Delay > time.Minute {
		errs = append(errs, hint.Errorf("use a delay from 0 to 1m, such as -delay 50ms", "delay %s out of range", f.Delay))
	}
	return errors.Join(errs...)
}
