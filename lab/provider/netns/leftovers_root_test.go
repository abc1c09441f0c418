//go:build linux

package netns

import (
	"context"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/lab"
)

func TestRootLeftoversOfAShrunkLabAndDestroy(t *testing.T) {
	p, l := testLab(t, 3)
	ctx := context.Background()
	if err := p.Up(ctx, l, l.NodeNames(), lab.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if left, err := p.Leftovers(ctx, l); err != nil || len(left) != 0 {
		t.Fatalf("leftovers of a healthy lab: %q %v", left, err)
	}
	before, err := p.labProcs(l)
	if err != nil {
		t.Fatal(err)
	}

	// The lab file now says 2 nodes: web_3 is left over.
	spec := l.Spec
	spec.Nodes = 2
	shrunk := lab.New(l.Paths.Dir, spec)
	left, err := p.Leftovers(ctx, shrunk)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(left, "\n")
	for _, want := range []string{nodeNS(l.Spec.Name, "web_3") + " with 2 processes: web_3 is not a node of this lab", "node directory"} {
		if !strings.Contains(all, want) {
			t.Errorf("leftovers lack %q:\n%s", want, all)
		}
	}
	if err := p.Destroy(ctx, shrunk); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, l, before)
}

func TestRootSameLabNameInTwoDirectoriesRefused(t *testing.T) {
	p, l := testLab(t, 1)
	ctx := context.Background()
	if err := p.Up(ctx, l, l.NodeNames(), lab.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	other := lab.New(t.TempDir(), l.Spec)
	err := p.Up(ctx, other, other.NodeNames(), lab.UpOptions{})
	if err == nil || !strings.Contains(err.Error(), "is already used on this host by the lab in") {
		t.Errorf("a second lab with the same name: %v, want a refusal naming the first", err)
	}
}
