//go:build linux

package netns

import (
	"context"
	"os"
	"regexp"
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
	// The holder and sshd, and sometimes an sshd child still closing a
	// readiness probe's connection: the count is not fixed.
	nsLine := regexp.MustCompile(regexp.QuoteMeta(nodeNS(l.Spec.Name, "web_3")) + ` with \d+ processes: web_3 is not a node of this lab`)
	if !nsLine.MatchString(all) || !strings.Contains(all, "node directory") {
		t.Errorf("leftovers lack web_3's namespace and node directory:\n%s", all)
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

func TestRootOrphanedLabFoundWithoutItsDirectory(t *testing.T) {
	p, l := testLab(t, 1)
	ctx := context.Background()
	if err := p.Up(ctx, l, l.NodeNames(), lab.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	mine := func() string {
		orphans, err := p.Orphans(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range orphans {
			if strings.HasPrefix(o, `lab "`+l.Spec.Name+`" `) {
				return o
			}
		}
		return ""
	}
	if o := mine(); o != "" {
		t.Fatalf("a lab whose directory exists is reported as orphaned: %s", o)
	}
	state, gone := l.Paths.StateDir(), l.Paths.StateDir()+".gone"
	if err := os.Rename(state, gone); err != nil {
		t.Fatal(err)
	}
	o := mine()
	if err := os.Rename(gone, state); err != nil { // so that the test's cleanup destroys it
		t.Fatal(err)
	}
	if !strings.Contains(o, "2 namespaces") || !strings.Contains(o, "lab destroy --force") {
		t.Errorf("orphan report %q, want its 2 namespaces (node, bridge) and how to remove them", o)
	}
}
