package chaos

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/internal/golden"
	"github.com/gossiplab/gossiplab/internal/hint"
)

func TestGenerateGolden(t *testing.T) {
	l := testLab(t, 10)
	got, err := Generate(GenerateOptions{Nodes: l.NodeNames(), Steps: 12, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "generate/seed42-steps12.chaos", got)
}

// TestGenerate checks, over many seeds and sizes, that a generated
// scenario parses, names only the lab's nodes, holds exactly the steps
// asked for, undoes every fault before its `wait converged`, never takes
// out more than the bound, and is the same again from the same seed.
func TestGenerate(t *testing.T) {
	tests := []struct {
		name    string
		nodes   int
		steps   int
		actions []Action
		max     int
	}{
		{"two nodes, one step", 2, 1, nil, 0},
		{"ten nodes", 10, 40, nil, 0},
		{"twenty nodes", 20, 200, nil, 0},
		{"agent faults only, up to 3", 20, 50, []Action{ActKillAgent, ActStopAgent}, 3},
		{"no self-undoing fault, odd steps", 5, 7, []Action{ActPartition, ActHalt}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := testLab(t, tt.nodes)
			for seed := uint64(1); seed <= 20; seed++ {
				o := GenerateOptions{Nodes: l.NodeNames(), Steps: tt.steps, Seed: seed, Actions: tt.actions, MaxTargets: tt.max}
				text, err := Generate(o)
				if err != nil {
					t.Fatal(err)
				}
				if again, _ := Generate(o); !bytes.Equal(text, again) {
					t.Fatalf("seed %d: two different scenarios", seed)
				}
				sc, err := ParseScenario("gen.chaos", bytes.NewReader(text))
				if err != nil {
					t.Fatalf("seed %d: %v\n%s", seed, err, text)
				}
				if err := sc.Check(l); err != nil {
					t.Fatalf("seed %d: %v\n%s", seed, err, text)
				}
				checkEpisodes(t, sc, tt.steps, o.maxTargets(), l.NodeNames())
			}
		})
	}
}

// checkEpisodes checks that sc holds steps chaos steps in episodes, each
// ending with `wait converged` after the step that undoes its fault.
func checkEpisodes(t *testing.T, sc *Scenario, steps, maxTargets int, nodes []string) {
	t.Helper()
	n := 0
	var open []Step // the episode so far
	for _, st := range sc.Steps {
		if st.Req.Action != ActWait {
			n++
			open = append(open, st)
			continue
		}
		if !st.Req.Converged || len(open) == 0 || len(open) > 2 {
			t.Fatalf("line %d: %s after %d steps", st.Line, st.Text, len(open))
		}
		fault, targets := open[0].Req, open[0].Req.Targets.Selectors
		if fault.Action != ActPartition && (len(targets) != 1 || strings.Count(targets[0], ",")+1 > maxTargets) {
			t.Errorf("line %d: %s: more than %d targets", open[0].Line, open[0].Text, maxTargets)
		}
		if fault.Action == ActPartition {
			a, b := fault.GroupA[0], fault.GroupB[0]
			if strings.Count(a, ",")+strings.Count(b, ",")+2 != len(nodes) {
				t.Errorf("line %d: %s does not split every node", open[0].Line, open[0].Text)
			}
		}
		want := undoOf(fault)
		if len(open) == 1 && want != "" || len(open) == 2 && open[1].Text != want {
			t.Errorf("line %d: %s undone by %v, want %q", open[0].Line, open[0].Text, open[1:], want)
		}
		open = nil
	}
	if n != steps || len(open) > 0 {
		t.Errorf("%d steps (%d after the last wait), want %d", n, len(open), steps)
	}
}

// undoOf is the step that undoes fault, "" for one that undoes itself.
func undoOf(fault Request) string {
	switch fault.Action {
	case ActHalt:
		return "up " + fault.Targets.Selectors[0]
	case ActKillAgent, ActStopAgent:
		return "start-agent " + fault.Targets.Selectors[0]
	case ActPartition, ActIsolate, ActLoss, ActDelay:
		return "heal"
	}
	return ""
}

func TestGenerateRefuses(t *testing.T) {
	nodes := testLab(t, 3).NodeNames()
	tests := []struct {
		name string
		o    GenerateOptions
		want string
	}{
		{"one node", GenerateOptions{Nodes: nodes[:1], Steps: 5}, "needs at least 2 nodes"},
		{"no steps", GenerateOptions{Nodes: nodes, Steps: 0}, "--steps 0 is out of range"},
		{"too many steps", GenerateOptions{Nodes: nodes, Steps: MaxGenerateSteps + 1}, "out of range"},
		{"an undo as a fault", GenerateOptions{Nodes: nodes, Steps: 5, Actions: []Action{ActHeal}}, "heal is not a fault"},
		{"negative bound", GenerateOptions{Nodes: nodes, Steps: 5, MaxTargets: -1}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate(tt.o)
			if err == nil || !strings.Contains(hint.Text(err), tt.want) {
				t.Errorf("Generate: %v, want %q", err, tt.want)
			}
		})
	}
}
