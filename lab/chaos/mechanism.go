package chaos

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/internal/parallel"
	"github.com/gossiplab/gossiplab/lab"
)

// Shell runs a shell command on a lab node as root (over SSH in a lab;
// with `ip netns exec` in the tests) and returns its standard output. A
// command that exits non-zero is an error.
type Shell interface {
	Run(ctx context.Context, node, cmd string, stdin []byte) ([]byte, error)
}

// Mechanism is how a network fault is put in place on a node.
type Mechanism string

// Mechanisms.
const (
	// MechAuto uses nftables where the node has it, else the agent's hook.
	MechAuto Mechanism = "auto"
	// MechNFT: nftables rules in the node's own firewall (kernel level:
	// every process and protocol of the node is affected).
	MechNFT Mechanism = "nft"
	// MechAgent: the agent's transport fault hook, `labagent fault`
	// (only the agent's gossip is affected; gone when the agent restarts).
	MechAgent Mechanism = "agent"
)

// ParseMechanism reads auto, nft or agent.
func ParseMechanism(s string) (Mechanism, error) {
	switch Mechanism(s) {
	case MechAuto, MechNFT, MechAgent:
		return Mechanism(s), nil
	}
	return "", hint.Errorf("use --mechanism auto, nft or agent", "unknown mechanism %q", s)
}

// NodeFault is a network fault planned for one node, in both forms: an
// nft script (empty when nft cannot express it, as for delay) and the
// flags of `labagent fault` for the fallback.
type NodeFault struct {
	Node  string
	NFT   string
	Agent []string
}

// PlanPartition cuts group a off from group b: every node of a drops
// traffic to and from b's IPs and every node of b drops a's, so the cut
// holds in both directions even if one side's rules fail.
func PlanPartition(l *lab.Lab, a, b []string, scope Scope, ports PortRange) ([]NodeFault, error) {
	for _, n := range a {
		if slices.Contains(b, n) {
			return nil, hint.Errorf("give two groups with no node in common, such as 'web_[1-5]' 'web_[6-10]'", "node %s is on both sides of the partition", n)
		}
	}
	var out []NodeFault
	for _, side := range [][2][]string{{a, b}, {b, a}} {
		peers, err := nodeIPs(l, side[1])
		if err != nil {
			return nil, err
		}
		for _, n := range side[0] {
			out = append(out, NodeFault{
				Node:  n,
				NFT:   RenderPartition(n, Match{Peers: peers, Scope: scope, Ports: ports}),
				Agent: []string{"-partition", strings.Join(side[1], ",")},
			})
		}
	}
	sortFaults(l, out)
	return out, nil
}

// PlanIsolate cuts each of nodes off from every other node of the lab
// (the rules go on the isolated nodes only).
func PlanIsolate(l *lab.Lab, nodes []string, scope Scope, ports PortRange) ([]NodeFault, error) {
	var out []NodeFault
	if _, err := nodeIPs(l, nodes); err != nil {
		return nil, err
	}
	for _, n := range nodes {
		others := without(l.NodeNames(), n)
		peers, err := nodeIPs(l, others)
		if err != nil {
			return nil, err
		}
		out = append(out, NodeFault{
			Node:  n,
			NFT:   RenderPartition(n, Match{Peers: peers, Scope: scope, Ports: ports}),
			Agent: []string{"-partition", strings.Join(others, ",")},
		})
	}
	return out, nil
}

// PlanLoss makes each of nodes lose percent of what it sends to the other
// lab nodes.
func PlanLoss(l *lab.Lab, nodes []string, percent float64, scope Scope, ports PortRange) ([]NodeFault, error) {
	if percent < 0 || percent > 100 {
		return nil, hint.Errorf("give a percentage from 0 to 100, such as `lab chaos loss 30`", "loss %g%% is out of range", percent)
	}
	var out []NodeFault
	for _, n := range nodes {
		peers, err := nodeIPs(l, without(l.NodeNames(), n))
		if err != nil {
			return nil, err
		}
		out = append(out, NodeFault{
			Node:  n,
			NFT:   RenderLoss(n, percent, Match{Peers: peers, Scope: scope, Ports: ports}),
			Agent: []string{"-loss", formatFraction(percent / 100)},
		})
	}
	return out, nil
}

// PlanDelay delays what each of nodes' agents sends. nftables cannot hold
// packets and the hosts have no netem qdisc, so only the agent's hook can
// do it: the plan has no nft script.
func PlanDelay(nodes []string, d time.Duration) ([]NodeFault, error) {
	if d <= 0 || d > time.Minute {
		return nil, hint.Errorf("give a duration from 1ms to 1m, such as `lab chaos delay 50ms`", "delay %s is out of range", d)
	}
	out := make([]NodeFault, len(nodes))
	for i, n := range nodes {
		out[i] = NodeFault{Node: n, Agent: []string{"-delay", d.String()}}
	}
	return out, nil
}

// Applied says how a fault was put in place on one node.
type Applied struct {
	Node      string
	Mechanism Mechanism // nft or agent; empty when it failed
	Err       error
}

// Faulter puts network faults in place on nodes and removes them.
type Faulter struct {
	Shell Shell
	Agent AgentCLI
	// Parallel bounds the nodes worked on at once (default 16).
	Parallel int
}

// nftProbe prints "nft" when nftables works in the node, "none" otherwise.
const nftProbe = `if command -v nft >/dev/null 2>&1 && nft list tables >/dev/null 2>&1; then echo nft; else echo none; fi`

// HasNFT reports whether nftables works on the node.
func (f *Faulter) HasNFT(ctx context.Context, node string) (bool, error) {
	out, err := f.Shell.Run(ctx, node, nftProbe, nil)
	if err != nil {
		return false, fmt.Errorf("probe nftables on %s: %w", node, err)
	}
	return strings.TrimSpace(string(out)) == "nft", nil
}

// Apply puts each fault in place with mech and returns, per node, which
// mechanism did it. Nodes are worked on in parallel; one failing does not
// stop the others.
func (f *Faulter) Apply(ctx context.Context, faults []NodeFault, mech Mechanism) []Applied {
	out := make([]Applied, len(faults))
	forEach(len(faults), f.Parallel, func(i int) {
		nf := faults[i]
		m, err := f.applyOne(ctx, nf, mech)
		out[i] = Applied{Node: nf.Node, Mechanism: m, Err: err}
	})
	return out
}

func (f *Faulter) applyOne(ctx context.Context, nf NodeFault, mech Mechanism) (Mechanism, error) {
	useNFT := false
	switch {
	case nf.NFT == "" && mech == MechNFT:
		return "", hint.Errorf("use --mechanism agent (the agent's transport hook)", "%s: nftables cannot do this fault", nf.Node)
	case nf.NFT == "" || mech == MechAgent:
	default:
		ok, err := f.HasNFT(ctx, nf.Node)
		if err != nil {
			return "", err
		}
		if !ok && mech == MechNFT {
			return "", hint.Errorf("install nftables on the node, or use --mechanism agent", "%s: nftables is not usable on the node", nf.Node)
		}
		if !ok && !f.Agent.Flavour.FaultHook() {
			return "", hint.Errorf("install nftables on the node", "%s: nftables is not usable on the node, and %s has no fault hook to fall back on", nf.Node, f.Agent.displayName())
		}
		useNFT = ok
	}
	if useNFT {
		if _, err := f.Shell.Run(ctx, nf.Node, "nft -f -", []byte(nf.NFT)); err != nil {
			return "", fmt.Errorf("apply nftables rules on %s: %w", nf.Node, err)
		}
		return MechNFT, nil
	}
	if _, err := f.Shell.Run(ctx, nf.Node, f.Agent.Cmd("fault", nf.Agent...), nil); err != nil {
		return "", fmt.Errorf("set the agent's fault hook on %s: %w", nf.Node, err)
	}
	return MechAgent, nil
}

// Heal removes every network fault chaos added on nodes: it deletes the
// chaos nftables table where nft works and clears the agent's fault hook.
// An agent that does not answer holds no fault (the hook lives in the
// agent's memory), so only failures to reach the node or to delete the
// table are errors.
func (f *Faulter) Heal(ctx context.Context, nodes []string) []Applied {
	out := make([]Applied, len(nodes))
	forEach(len(nodes), f.Parallel, func(i int) {
		n := nodes[i]
		out[i] = Applied{Node: n}
		ok, err := f.HasNFT(ctx, n)
		if err != nil {
			out[i].Err = err
			return
		}
		if ok {
			if _, err := f.Shell.Run(ctx, n, "nft -f -", []byte(RenderHeal())); err != nil {
				out[i].Err = fmt.Errorf("delete the chaos table on %s: %w", n, err)
				return
			}
			out[i].Mechanism = MechNFT
		}
		if !f.Agent.Flavour.FaultHook() { // no fault hook to clear
			return
		}
		if _, err := f.Shell.Run(ctx, n, f.Agent.Cmd("fault", "-clear"), nil); err == nil && !ok {
			out[i].Mechanism = MechAgent
		}
	})
	return out
}

// Leftover reports whether the chaos table is still present on node.
func (f *Faulter) Leftover(ctx context.Context, node string) (bool, error) {
	out, err := f.Shell.Run(ctx, node, fmt.Sprintf(
		`if command -v nft >/dev/null 2>&1 && nft list table %s %s >/dev/null 2>&1; then echo yes; else echo no; fi`,
		NFTFamily, NFTTable), nil)
	if err != nil {
		return false, fmt.Errorf("look for the chaos table on %s: %w", node, err)
	}
	return strings.TrimSpace(string(out)) == "yes", nil
}

// Kept describes the network faults chaos left in place on node (with
// --keep): "nftables" when the chaos table is there, and the agent's
// fault hook setting (labagent only) when one is set. Empty: none.
func (f *Faulter) Kept(ctx context.Context, node string) ([]string, error) {
	var kept []string
	table, err := f.Leftover(ctx, node)
	if err != nil {
		return nil, err
	}
	if table {
		kept = append(kept, fmt.Sprintf("nftables (table %s %s)", NFTFamily, NFTTable))
	}
	if !f.Agent.Flavour.FaultHook() {
		return kept, nil
	}
	out, err := f.Shell.Run(ctx, node, f.Agent.Cmd("fault"), nil)
	if err != nil { // an agent that does not answer holds no fault
		return kept, nil
	}
	if hook := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "fault:")); hook != "" && hook != "none" {
		kept = append(kept, "agent fault hook ("+hook+")")
	}
	return kept, nil
}

// defaultParallel is how many nodes the engine and the Faulter work on
// at once unless told.
const defaultParallel = 16

// forEach runs fn(0..n-1), at most par (default defaultParallel) at once.
func forEach(n, par int, fn func(i int)) {
	if par <= 0 {
		par = defaultParallel
	}
	parallel.Each(context.Background(), n, par, func(_ context.Context, i int) error { fn(i); return nil })
}

// AppliedErr joins the failures of a batch, nil when every node succeeded.
func AppliedErr(as []Applied) error {
	var errs []error
	for _, a := range as {
		if a.Err != nil {
			errs = append(errs, a.Err)
		}
	}
	return errors.Join(errs...)
}

func nodeIPs(l *lab.Lab, names []string) ([]netip.Addr, error) {
	out := make([]netip.Addr, 0, len(names))
	for _, n := range names {
		node, ok := l.Node(n)
		if !ok {
			return nil, hint.Errorf(fmt.Sprintf("valid nodes are %s", lab.Summarize(l.NodeNames())), "unknown node %q", n)
		}
		out = append(out, node.IP)
	}
	return out, nil
}

func without(names []string, drop string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if n != drop {
			out = append(out, n)
		}
	}
	return out
}

func sortFaults(l *lab.Lab, fs []NodeFault) {
	order := labOrder(l)
	slices.SortStableFunc(fs, func(a, b NodeFault) int { return order[a.Node] - order[b.Node] })
}

func formatFraction(f float64) string {
	s := fmt.Sprintf("%.4f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" {
		return "0"
	}
	return s
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,@%+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
