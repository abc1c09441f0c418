package chaos

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// Request is one chaos step as a user writes it, on the command line or
// as a line of a scenario file.
type Request struct {
	Action  Action
	Targets Targets
	// Partition's two sides (node selectors).
	GroupA, GroupB []string
	Percent        float64       // loss
	Delay          time.Duration // delay
	// Wait: Converged, or For.
	Converged bool
	For       time.Duration
	// AgentsDown (wait converged): running nodes whose agent an earlier
	// step of the scenario stopped (kill-agent, stop-agent) and no step
	// started again; they count as down (see ConvergedWithout).
	AgentsDown []string

	Force     bool          // halt: power off
	Timeout   time.Duration // 0: derived from the agent profile
	Scope     Scope
	Ports     PortRange
	Mechanism Mechanism
}

// Flags are a request's flags as parsed, before validation.
type Flags struct {
	Force     bool
	Tags      []string
	All       bool
	Random    int
	Seed      uint64
	Timeout   time.Duration
	Scope     string
	Ports     string
	Mechanism string
}

// Bind registers the flags of a chaos step on fs (the lab chaos command
// and every line of a scenario use the same ones).
func (f *Flags) Bind(fs *pflag.FlagSet) {
	fs.BoolVar(&f.Force, "force", false, "halt: power off at once instead of a graceful shutdown")
	fs.StringArrayVar(&f.Tags, "tag", nil, "target the nodes with this tag (k=v, from the lab file's groups); repeatable")
	fs.BoolVar(&f.All, "all", false, "target every node")
	fs.IntVar(&f.Random, "random", 0, "target K nodes drawn at random among those selected (all by default)")
	fs.Uint64Var(&f.Seed, "seed", 0, "seed of --random, to draw the same nodes again")
	fs.DurationVar(&f.Timeout, "timeout", 0, "how long to wait for every observer (default: the simulator's forecast of the step x 1.5 + 10s, longer while observers keep noticing)")
	fs.StringVar(&f.Scope, "scope", string(ScopeAll), "network faults: all (every packet between lab IPs), gossip (TCP and UDP on the gossip ports) or udp (UDP on the gossip ports: memberlist's packets, not its TCP streams)")
	fs.StringVar(&f.Ports, "ports", DefaultGossipPorts.String(), "the gossip port or range, for --scope gossip or udp")
	fs.StringVar(&f.Mechanism, "mechanism", string(MechAuto), "network faults: auto (nftables, else the agent's hook), nft or agent")
}

// ParseRequest builds a request from an action's name, its positional
// arguments and its flags; seedSet says whether --seed was given.
func ParseRequest(action string, args []string, f Flags, seedSet bool) (Request, error) {
	a, err := ParseAction(action)
	if err != nil {
		return Request{}, err
	}
	r, err := flagsRequest(a, f, seedSet)
	if err != nil {
		return Request{}, err
	}
	rest, err := r.parseOperands(args)
	if err != nil {
		return Request{}, err
	}
	switch a {
	case ActPartition, ActWait, ActHeal: // no targets: groups as operands, every node, or none
		if !r.Targets.Empty() {
			return r, fmt.Errorf("%s takes no --tag, --random or --all", a)
		}
		return r, nil
	}
	r.Targets.Selectors = rest
	if r.Targets.Empty() && (a == ActLoss || a == ActDelay) {
		r.Targets.All = true
	}
	if r.Targets.Empty() {
		return Request{}, hint.Errorf(fmt.Sprintf("lab chaos %s web_3, or use --tag k=v, --random K or --all", a), "%s needs target nodes", a)
	}
	return r, nil
}

// flagsRequest is a request of action a with what its flags say.
func flagsRequest(a Action, f Flags, seedSet bool) (Request, error) {
	r := Request{Action: a, Force: f.Force, Timeout: f.Timeout}
	r.Targets = Targets{Tags: f.Tags, All: f.All, Random: f.Random, Seed: f.Seed, SeedSet: seedSet}
	var err error
	if r.Scope, err = ParseScope(f.Scope); err != nil {
		return Request{}, err
	}
	if r.Ports, err = ParsePortRange(f.Ports); err != nil {
		return Request{}, err
	}
	if r.Mechanism, err = ParseMechanism(f.Mechanism); err != nil {
		return Request{}, err
	}
	if f.Timeout < 0 {
		return Request{}, hint.Errorf("give a duration such as 30s", "--timeout %s is negative", f.Timeout)
	}
	if f.Force && a != ActHalt {
		return Request{}, fmt.Errorf("--force is for halt only")
	}
	return r, nil
}

// parseOperands reads the arguments r's action takes before its target
// nodes (a partition's two groups, loss's percentage, delay's duration,
// what to wait for) and returns the rest: the targets.
func (r *Request) parseOperands(args []string) ([]string, error) {
	switch r.Action {
	case ActPartition:
		if len(args) != 2 {
			return nil, hint.Errorf("lab chaos partition 'web_[1-5]' 'web_[6-10]'", "partition needs two groups of nodes, got %d arguments", len(args))
		}
		r.GroupA, r.GroupB = []string{args[0]}, []string{args[1]}
		return nil, nil
	case ActLoss:
		if len(args) == 0 {
			return nil, hint.Errorf("lab chaos loss 30 --all", "loss needs a percentage")
		}
		p, err := strconv.ParseFloat(strings.TrimSuffix(args[0], "%"), 64)
		if err != nil || p < 0 || p > 100 {
			return nil, hint.Errorf("lab chaos loss 30 --all", "loss %q is not a percentage from 0 to 100", args[0])
		}
		r.Percent = p
		return args[1:], nil
	case ActDelay:
		if len(args) == 0 {
			return nil, hint.Errorf("lab chaos delay 50ms --all", "delay needs a duration")
		}
		d, err := time.ParseDuration(args[0])
		if err != nil || d <= 0 || d > time.Minute {
			return nil, hint.Errorf("lab chaos delay 50ms --all", "delay %q is not a duration from 1ms to 1m", args[0])
		}
		r.Delay = d
		return args[1:], nil
	case ActWait:
		if len(args) != 1 {
			return nil, hint.Errorf("wait converged, or wait 10s", "wait needs one argument")
		}
		if args[0] == "converged" {
			r.Converged = true
		} else if d, err := time.ParseDuration(args[0]); err == nil && d > 0 {
			r.For = d
		} else {
			return nil, hint.Errorf("wait converged, or wait 10s", "wait %q: not `converged` nor a duration", args[0])
		}
		return nil, nil
	case ActHeal:
		if len(args) > 0 {
			return nil, fmt.Errorf("heal takes no nodes: it heals every node of the lab")
		}
		return nil, nil
	}
	return args, nil
}

// String renders r back as a command line.
func (r Request) String() string {
	parts := []string{string(r.Action)}
	switch r.Action {
	case ActPartition:
		parts = append(parts, shellQuote(strings.Join(r.GroupA, ",")), shellQuote(strings.Join(r.GroupB, ",")))
	case ActLoss:
		parts = append(parts, formatPercent(r.Percent))
	case ActDelay:
		parts = append(parts, r.Delay.String())
	case ActWait:
		if r.Converged {
			parts = append(parts, "converged")
		} else {
			parts = append(parts, r.For.String())
		}
	}
	for _, s := range r.Targets.Selectors {
		parts = append(parts, shellQuote(s))
	}
	for _, t := range r.Targets.Tags {
		parts = append(parts, "--tag", shellQuote(t))
	}
	if r.Targets.All {
		parts = append(parts, "--all")
	}
	if r.Targets.Random > 0 {
		parts = append(parts, "--random", strconv.Itoa(r.Targets.Random))
		if r.Targets.SeedSet {
			parts = append(parts, "--seed", strconv.FormatUint(r.Targets.Seed, 10))
		}
	}
	if r.Force {
		parts = append(parts, "--force")
	}
	if r.Timeout > 0 {
		parts = append(parts, "--timeout", r.Timeout.String())
	}
	return strings.Join(parts, " ")
}

// Check resolves r's node selectors and tags against l, so that a typo is
// refused before anything is done.
func (r Request) Check(l *lab.Lab) error {
	switch r.Action {
	case ActPartition:
		if _, err := l.Select(r.GroupA, false); err != nil {
			return fmt.Errorf("partition group A: %w", err)
		}
		if _, err := l.Select(r.GroupB, false); err != nil {
			return fmt.Errorf("partition group B: %w", err)
		}
		return nil
	case ActHeal, ActWait:
		return nil
	}
	_, err := r.Targets.Resolve(l, 0, func() uint64 { return 0 })
	return err
}
