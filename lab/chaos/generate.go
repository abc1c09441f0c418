package chaos

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// MaxGenerateSteps bounds a generated scenario (lab chaos generate).
const MaxGenerateSteps = 10000

// GenerateOptions say what scenario Generate writes.
type GenerateOptions struct {
	// Nodes are the lab's nodes, in the lab's order; targets are drawn
	// among them.
	Nodes []string
	// Steps is how many chaos steps (faults and the steps that undo
	// them; waits not counted) the scenario holds.
	Steps int
	Seed  uint64
	// Actions are the faults to draw from (default: GenerateActions).
	Actions []Action
	// MaxTargets bounds the nodes one fault takes out (default: a fifth
	// of the nodes, at least 1), so that most of the cluster observes.
	MaxTargets int
}

// GenerateActions are the faults a generated scenario draws from by
// default: every action but up, start-agent and heal, which undo them.
func GenerateActions() []Action {
	return []Action{ActHalt, ActReload, ActKillAgent, ActStopAgent, ActRestartAgent,
		ActEvent, ActPartition, ActIsolate, ActLoss, ActDelay}
}

// episode is one fault and what undoes it, as scenario lines.
type episode struct {
	kind  string // the fault, as the summary counts it ("halt --force")
	lines []string
}

// Generate writes a scenario of random faults on o.Nodes: episodes of one
// fault, the step that undoes it (up after halt, start-agent after
// kill-agent or stop-agent, heal after a network fault; reload,
// restart-agent and event undo themselves), then `wait converged`, so
// that the cluster converges again after every episode. The same options
// give the same scenario.
func Generate(o GenerateOptions) ([]byte, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x676f737369706c62)) // "gossiplb"
	var b strings.Builder
	fmt.Fprintf(&b, "# lab chaos generate %s\n", o.flags())
	fmt.Fprintf(&b, "# %d chaos steps of random faults on %d nodes (%s), at most %d at once.\n",
		o.Steps, len(o.Nodes), lab.Summarize(o.Nodes), o.maxTargets())
	b.WriteString("# Every fault is followed by the step that undoes it, then by `wait converged`.\n")
	for n, left := 1, o.Steps; left > 0; n++ {
		ep := o.draw(rng, left)
		fmt.Fprintf(&b, "\n# %d: %s\n", n, ep.kind)
		for _, line := range ep.lines {
			b.WriteString(line + "\n")
		}
		b.WriteString("wait converged\n")
		left -= len(ep.lines)
	}
	return []byte(b.String()), nil
}

// flags are the lab chaos generate flags that give this scenario again
// on the same nodes.
func (o GenerateOptions) flags() string {
	f := fmt.Sprintf("--steps %d --seed %d", o.Steps, o.Seed)
	if len(o.Actions) > 0 {
		f += " --actions " + strings.Join(actionNames(o.Actions), ",")
	}
	if o.MaxTargets > 0 {
		f += fmt.Sprintf(" --max-targets %d", o.MaxTargets)
	}
	return f
}

func (o GenerateOptions) check() error {
	if len(o.Nodes) < 2 {
		return hint.Errorf("lab up --nodes N with N of 2 or more", "a chaos scenario needs at least 2 nodes, the lab has %d", len(o.Nodes))
	}
	if o.Steps < 1 || o.Steps > MaxGenerateSteps {
		return hint.Errorf(fmt.Sprintf("give --steps from 1 to %d", MaxGenerateSteps), "--steps %d is out of range", o.Steps)
	}
	if o.MaxTargets < 0 {
		return hint.Errorf("give --max-targets 1 or more", "--max-targets %d is negative", o.MaxTargets)
	}
	for _, a := range o.Actions {
		if !slices.Contains(GenerateActions(), a) {
			return hint.Errorf("draw from "+joinActions(GenerateActions()), "%s is not a fault a scenario can be generated from", a)
		}
	}
	return nil
}

func joinActions(as []Action) string { return strings.Join(actionNames(as), ", ") }

// maxTargets is MaxTargets, else a fifth of the nodes, at least 1 and
// always fewer than the nodes (someone must observe).
func (o GenerateOptions) maxTargets() int {
	m := o.MaxTargets
	if m == 0 {
		m = len(o.Nodes) / 5
	}
	return max(1, min(m, len(o.Nodes)-1))
}

// draw picks the next episode; with one step left it draws among the
// faults that undo themselves, so that the scenario ends healed.
func (o GenerateOptions) draw(rng *rand.Rand, left int) episode {
	actions := o.Actions
	if len(actions) == 0 {
		actions = GenerateActions()
	}
	if left == 1 {
		actions = slices.DeleteFunc(slices.Clone(actions), func(a Action) bool { return !selfUndoing(a) })
		if len(actions) == 0 {
			actions = []Action{ActReload, ActRestartAgent, ActEvent}
		}
	}
	a := actions[rng.IntN(len(actions))]
	nodes := o.pick(rng, 1+rng.IntN(o.maxTargets()))
	switch a {
	case ActHalt:
		if rng.IntN(2) == 0 {
			return episode{"halt --force", []string{"halt --force " + nodes, "up " + nodes}}
		}
		return episode{"halt", []string{"halt " + nodes, "up " + nodes}}
	case ActKillAgent, ActStopAgent:
		return episode{string(a), []string{string(a) + " " + nodes, "start-agent " + nodes}}
	case ActPartition:
		a, b := o.split(rng)
		return episode{"partition", []string{"partition " + a + " " + b, "heal"}}
	case ActIsolate:
		return episode{"isolate", []string{"isolate " + nodes, "heal"}}
	case ActLoss:
		pct := []int{10, 20, 30, 50}[rng.IntN(4)]
		return episode{"loss", []string{fmt.Sprintf("loss %d %s", pct, nodes), "heal"}}
	case ActDelay:
		d := time.Duration(10*(1+rng.IntN(20))) * time.Millisecond
		return episode{"delay", []string{fmt.Sprintf("delay %s %s", d, nodes), "heal"}}
	}
	return episode{string(a), []string{string(a) + " " + nodes}} // reload, restart-agent, event
}

// selfUndoing reports whether a fault of action a ends by itself.
func selfUndoing(a Action) bool {
	return a == ActReload || a == ActRestartAgent || a == ActEvent
}

// pick draws k distinct nodes, as a comma list in the lab's order.
func (o GenerateOptions) pick(rng *rand.Rand, k int) string {
	idx := rng.Perm(len(o.Nodes))[:k]
	slices.Sort(idx)
	names := make([]string, k)
	for i, j := range idx {
		names[i] = o.Nodes[j]
	}
	return strings.Join(names, ",")
}

// split cuts the nodes in two random groups, the smaller of 1 to half of
// them, as two comma lists.
func (o GenerateOptions) split(rng *rand.Rand) (string, string) {
	k := 1 + rng.IntN(len(o.Nodes)/2)
	perm := rng.Perm(len(o.Nodes))
	in := map[int]bool{}
	for _, j := range perm[:k] {
		in[j] = true
	}
	var a, b []string
	for i, n := range o.Nodes {
		if in[i] {
			a = append(a, n)
		} else {
			b = append(b, n)
		}
	}
	return strings.Join(a, ","), strings.Join(b, ",")
}

func actionNames(as []Action) []string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return s
}
