package chaos

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gossiplab/gossiplab/internal/hint"
)

func TestTargetsResolve(t *testing.T) {
	l := testLab(t, 10)
	seed := func(s uint64) Targets { return Targets{Random: 3, Seed: s, SeedSet: true} }
	tests := []struct {
		name string
		t    Targets
		want []string
		err  string
	}{
		{name: "names and ranges", t: Targets{Selectors: []string{"web_[6-8]", "web_1,web_2"}}, want: []string{"web_1", "web_2", "web_6", "web_7", "web_8"}},
		{name: "glob", t: Targets{Selectors: []string{"web_1*"}}, want: []string{"web_1", "web_10"}},
		{name: "all", t: Targets{All: true}, want: l.NodeNames()},
		{name: "tag", t: Targets{Tags: []string{"role=front"}}, want: []string{"web_1", "web_2"}},
		{name: "tag within names", t: Targets{Selectors: []string{"web_[2-4]"}, Tags: []string{"role=back"}}, want: []string{"web_3", "web_4"}},
		// Pinned draws: math/rand/v2 PCG is specified, so a seed picks the same
		// nodes on every Go version and platform.
		{name: "random with seed", t: seed(42), want: []string{"web_3", "web_4", "web_6"}},
		{name: "random among a tag", t: Targets{Tags: []string{"role=front"}, Random: 1, Seed: 7, SeedSet: true}, want: []string{"web_2"}},
		{name: "unknown name", t: Targets{Selectors: []string{"db_1"}}, err: "valid nodes are web_[1-10]"},
		{name: "range past the lab", t: Targets{Selectors: []string{"web_[9-12]"}}, err: "web_11, which is not a node"},
		{name: "unknown tag", t: Targets{Tags: []string{"role=db"}}, err: "the lab's tags are role=back, role=front"},
		{name: "bad tag", t: Targets{Tags: []string{"role"}}, err: "--tag key=value"},
		{name: "too many random", t: Targets{Random: 11}, err: "there are 10 matching nodes"},
		{name: "nothing", t: Targets{}, err: "no target nodes"},
		{name: "all and names", t: Targets{All: true, Selectors: []string{"web_1"}}, err: "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.t.Resolve(l, 0, func() uint64 { return 1 })
			if tt.err != "" {
				if err == nil || !strings.Contains(hint.Text(err), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Nodes); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestTargetsRandomReproducible(t *testing.T) {
	l := testLab(t, 10)
	tg := Targets{Random: 4}
	a, err := tg.Resolve(l, 3, func() uint64 { return 99 })
	if err != nil {
		t.Fatal(err)
	}
	if a.Seed == nil || *a.Seed != 99 {
		t.Fatalf("seed not reported: %v", a.Seed)
	}
	tg.Seed, tg.SeedSet = 99, true
	b, err := tg.Resolve(l, 3, func() uint64 { panic("seed given: no draw") })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.Nodes, b.Nodes); diff != "" {
		t.Errorf("same seed, same stream, other pick (-first +second):\n%s", diff)
	}
	c, _ := tg.Resolve(l, 4, nil)
	if cmp.Equal(a.Nodes, c.Nodes) {
		t.Logf("streams 3 and 4 drew the same nodes (possible, unlikely): %v", c.Nodes)
	}
}
