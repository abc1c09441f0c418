package bench

import (
	"context"
	"math"
	"testing"
)

// TestSerfFormulaMatchesIssue checks the serf-formula backend against the
// figure issue 7 quotes: t50 = 0.62 s at N = 100 on the LAN profile.
func TestSerfFormulaMatchesIssue(t *testing.T) {
	p, _ := NewProfile("lan")
	var got []Sample
	err := SerfFormula{}.Run(context.Background(), Spec{Event: EventJoin, N: 100, Runs: 1, Profile: p}, func(_ int, s []Sample) { got = s })
	if err != nil {
		t.Fatal(err)
	}
	g := Summarize(got, 1, nil)[0]
	if math.Abs(*g.T50.Value-0.62) > 0.01 {
		t.Errorf("t50 = %.3f s, want about 0.62 s", *g.T50.Value)
	}
	if g.Observers != 100 || g.Coverage != 1 {
		t.Errorf("observers %d coverage %g, want 100 and 1", g.Observers, g.Coverage)
	}
}

func TestLowerBoundBelowFormula(t *testing.T) {
	p, _ := NewProfile("lan")
	for _, n := range []int{10, 100, 1000} {
		var f, l []Sample
		spec := Spec{Event: EventJoin, N: n, Runs: 1, Profile: p}
		if err := (SerfFormula{}).Run(context.Background(), spec, func(_ int, s []Sample) { f = s }); err != nil {
			t.Fatal(err)
		}
		if err := (LowerBound{}).Run(context.Background(), spec, func(_ int, s []Sample) { l = s }); err != nil {
			t.Fatal(err)
		}
		gf, gl := Summarize(f, 1, nil)[0], Summarize(l, 1, nil)[0]
		for _, pc := range Percentiles {
			if pc == 0 {
				continue // the bound is on dissemination; the first learner has none
			}
			if *gl.Percentile(pc).Value > *gf.Percentile(pc).Value {
				t.Errorf("N=%d t%g: lower bound %.3f above the formula %.3f", n, pc, *gl.Percentile(pc).Value, *gf.Percentile(pc).Value)
			}
		}
	}
}
