package cli

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab/chaos"
)

type chaosGenerateFlags struct {
	steps      int
	seed       uint64
	actions    []string
	maxTargets int
	out        string
	force      bool
}

func newChaosGenerateCommand(env *Env) *cobra.Command {
	f := &chaosGenerateFlags{}
	cmd := &cobra.Command{
		Use:   "generate [flags]",
		Short: "Write a scenario of random faults, each undone and followed by wait converged",
		Long: `generate writes a scenario for lab chaos run: random faults on random nodes of
the lab, each followed by the step that undoes it (up after halt,
start-agent after kill-agent or stop-agent, heal after partition, isolate,
loss and delay; reload, restart-agent and event undo themselves) and by
wait converged, so that the cluster must converge again after every fault.
--steps counts the chaos steps (faults and the steps that undo them; the
waits are not counted). One fault takes out at most --max-targets nodes
(default a fifth of the lab); a partition splits every node in two groups.

The seed is printed and written in the scenario's first line: the same
seed on the same lab gives the same scenario. Read it, edit it, then run
it with lab chaos run FILE. Nothing is done to the lab.`,
		Example: `  lab chaos generate --steps 200 --seed 7 -o soak.chaos
  lab chaos run soak.chaos
  lab chaos generate --steps 20 --actions kill-agent,partition`,
		Args: noArgs(nil),
		RunE: func(cmd *cobra.Command, _ []string) error { return runChaosGenerate(cmd, env, f) },
	}
	fl := cmd.Flags()
	fl.IntVar(&f.steps, "steps", 20, fmt.Sprintf("chaos steps to write, faults and the steps that undo them (1 to %d)", chaos.MaxGenerateSteps))
	fl.Uint64Var(&f.seed, "seed", 0, "seed of the random draws, to write the same scenario again (default: drawn and printed)")
	fl.StringSliceVar(&f.actions, "actions", nil, "faults to draw from, a comma list (default: halt, reload, kill-agent, stop-agent, restart-agent, event, partition, isolate, loss, delay)")
	fl.IntVar(&f.maxTargets, "max-targets", 0, "most nodes one fault takes out (default: a fifth of the lab's nodes, at least 1)")
	fl.StringVarP(&f.out, "output", "o", "", "the scenario file to write (default: standard output)")
	fl.BoolVarP(&f.force, "force", "f", false, "replace --output if it exists")
	return cmd
}

func runChaosGenerate(cmd *cobra.Command, env *Env, f *chaosGenerateFlags) error {
	o := chaos.GenerateOptions{Steps: f.steps, Seed: f.seed, MaxTargets: f.maxTargets}
	for _, a := range f.actions {
		act, err := chaos.ParseAction(strings.TrimSpace(a))
		if err != nil {
			return fmt.Errorf("--actions: %w", err)
		}
		o.Actions = append(o.Actions, act)
	}
	if !cmd.Flags().Changed("seed") {
		o.Seed = rand.Uint64()
	}
	if f.out != "" && !f.force {
		if _, err := os.Lstat(f.out); err == nil {
			return hint.Errorf("pass --force to replace it, or name another file", "%s exists", f.out)
		}
	}
	l, err := openLab(cmd, env, "")
	if err != nil {
		return err
	}
	defer l.Close()
	o.Nodes = l.NodeNames()
	text, err := chaos.Generate(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Streams.Err, "seed %d (lab chaos generate --seed %d writes this scenario again)\n", o.Seed, o.Seed)
	if f.out == "" {
		_, err = env.Streams.Out.Write(text)
		return err
	}
	if err := atomicfile.WriteFile(f.out, text, 0o644); err != nil {
		return fmt.Errorf("write scenario: %w", err)
	}
	fmt.Fprintf(env.Streams.Err, "wrote %s; run it with lab chaos run %s\n", f.out, f.out)
	return nil
}
