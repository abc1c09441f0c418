//go:build linux

package netns

import (
	"context"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/lab"
)

// A lab that raised the host's ARP table limits has them put back when
// it is destroyed, down to what the labs still running need.
func TestRootNeighbourLimitsPutBack(t *testing.T) {
	needRoot(t)
	before, err := readSysctlInt(neighDir + "gc_thresh3")
	if err != nil {
		t.Fatal(err)
	}
	n := 2
	for neighbourEntries(n) <= before {
		n++
	}
	if n > 60 {
		t.Fatalf("gc_thresh3 is %d already: this test needs a host whose limit a lab of at most 60 nodes raises", before)
	}
	p, l := testLab(t, n)
	ctx := context.Background()
	if err := p.Up(ctx, l, l.NodeNames(), lab.UpOptions{Parallel: 16}); err != nil {
		t.Fatal(err)
	}
	if got, _ := readSysctlInt(neighDir + "gc_thresh3"); got != neighbourEntries(n) {
		t.Fatalf("gc_thresh3 = %d with a lab of %d nodes up, want %d", got, n, neighbourEntries(n))
	}
	if note := strings.Join(p.HostNotes(ctx), "\n"); !strings.Contains(note, "raised by lab from the host's") {
		t.Errorf("lab doctor's note on the host's limits: %q", note)
	}
	if err := p.Destroy(ctx, l); err != nil {
		t.Fatal(err)
	}
	// Labs of other tests may run meanwhile, with fewer nodes than this
	// one: the limit goes down to what they need, or to the host's own.
	if got, _ := readSysctlInt(neighDir + "gc_thresh3"); got >= neighbourEntries(n) {
		t.Errorf("gc_thresh3 = %d after destroy, want it back below this lab's %d (the host had %d)", got, neighbourEntries(n), before)
	}
}
