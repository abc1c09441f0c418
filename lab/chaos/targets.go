package chaos

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// Targets says which nodes an action is for: node selectors (names, comma
// lists, ranges such as web_[6-10], globs), tags from the lab's groups,
// every node, and a random pick among them.
type Targets struct {
	Selectors []string
	Tags      []string // k=v; a node must carry all of them
	All       bool
	Random    int // pick this many at random among the matching nodes
	Seed      uint64
	SeedSet   bool
}

// Empty reports whether t names no node at all.
func (t Targets) Empty() bool {
	return len(t.Selectors) == 0 && len(t.Tags) == 0 && !t.All && t.Random == 0
}

// Picked is a resolved target list, with the seed that drew a random pick
// (so that it can be drawn again).
type Picked struct {
	Nodes []string
	Seed  *uint64
}

// Resolve picks the target nodes of l, in lab order. stream separates the
// random draws of the steps of a scenario that share one seed; without a
// seed, one is drawn and returned. Names that match no node are refused
// with the list of valid ones.
func (t Targets) Resolve(l *lab.Lab, stream uint64, newSeed func() uint64) (Picked, error) {
	if t.Empty() {
		return Picked{}, hint.Errorf(fmt.Sprintf("name nodes (%s), or use --tag k=v, --random K or --all", lab.Summarize(l.NodeNames())), "no target nodes")
	}
	if t.All && len(t.Selectors) > 0 {
		return Picked{}, hint.Errorf("give node names or --all, not both", "both --all and node names given")
	}
	nodes := l.NodeNames()
	if len(t.Selectors) > 0 {
		sel, err := l.Select(t.Selectors, false)
		if err != nil {
			return Picked{}, err
		}
		nodes = sel
	}
	if len(t.Tags) > 0 {
		var err error
		if nodes, err = filterTags(l, nodes, t.Tags); err != nil {
			return Picked{}, err
		}
	}
	if t.Random == 0 {
		return Picked{Nodes: nodes}, nil
	}
	if t.Random < 0 || t.Random > len(nodes) {
		return Picked{}, hint.Errorf(fmt.Sprintf("pick from 1 to %d", len(nodes)), "--random %d: there are %d matching nodes", t.Random, len(nodes))
	}
	seed := t.Seed
	if !t.SeedSet {
		seed = newSeed()
	}
	rng := rand.New(rand.NewPCG(seed, stream))
	perm := rng.Perm(len(nodes))
	pick := make([]string, t.Random)
	for i := range pick {
		pick[i] = nodes[perm[i]]
	}
	sortInLabOrder(l, pick)
	return Picked{Nodes: pick, Seed: &seed}, nil
}

// labOrder maps each node of l to its place in the lab's list of nodes.
func labOrder(l *lab.Lab) map[string]int {
	order := map[string]int{}
	for i, n := range l.NodeNames() {
		order[n] = i
	}
	return order
}

// sortInLabOrder sorts names, nodes of l, as the lab lists them.
func sortInLabOrder(l *lab.Lab, names []string) {
	order := labOrder(l)
	slices.SortFunc(names, func(a, b string) int { return order[a] - order[b] })
}

func filterTags(l *lab.Lab, nodes []string, tags []string) ([]string, error) {
	want := map[string]string{}
	for _, kv := range tags {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, hint.Errorf("write --tag key=value, such as --tag role=web", "bad tag %q", kv)
		}
		want[k] = v
	}
	var out []string
	for _, name := range nodes {
		n, _ := l.Node(name)
		ok := true
		for k, v := range want {
			if n.Tags[k] != v {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, hint.Errorf(fmt.Sprintf("the lab's tags are %s (set in the lab file's group blocks)", knownTags(l)), "no node has tags %s", strings.Join(tags, ", "))
	}
	return out, nil
}

func knownTags(l *lab.Lab) string {
	var all []string
	for _, n := range l.Nodes {
		for _, kv := range lab.SortedTags(n.Tags) {
			if !slices.Contains(all, kv) {
				all = append(all, kv)
			}
		}
	}
	if len(all) == 0 {
		return "none"
	}
	sort.Strings(all)
	return strings.Join(all, ", ")
}
