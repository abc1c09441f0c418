package lab

import (
	"fmt"
	"strings"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// Lab is a lab as commands use it: the resolved spec, where it lives, and
// its nodes with their assignments.
type Lab struct {
	Spec  Spec
	Paths Paths
	Nodes []Node
}

// New resolves a valid spec into a lab at dir.
func New(dir string, spec Spec) *Lab {
	return &Lab{Spec: spec, Paths: Paths{Dir: dir}, Nodes: spec.ResolveNodes()}
}

// Node returns the node with that machine name, or false.
func (l *Lab) Node(name string) (Node, bool) {
	for _, n := range l.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Node{}, false
}

// NodeNames lists the lab's machine names in order.
func (l *Lab) NodeNames() []string { return l.Spec.NodeNames() }

// Select resolves selectors (see the package function Select) against
// this lab's nodes; all selects every node.
func (l *Lab) Select(selectors []string, all bool) ([]string, error) {
	if all && len(selectors) > 0 {
		return nil, hint.Errorf(fmt.Sprintf("drop --all to act on %s only, or the names to act on every node", strings.Join(selectors, " ")), "both --all and node names (%s) given", strings.Join(selectors, " "))
	}
	if all {
		return l.NodeNames(), nil
	}
	return Select(l.NodeNames(), selectors)
}
