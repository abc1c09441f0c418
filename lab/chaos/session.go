package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
)

// Session runs what `lab chaos` is asked for: one step or a scenario,
// printing a table (or JSON) per step, writing records, and healing the
// network faults it added when it ends, also when interrupted, unless
// Keep.
type Session struct {
	Engine *Engine
	// ResultsDir holds results/chaos/...; empty: write no record.
	ResultsDir string
	Out        io.Writer
	JSON       bool
	Keep       bool
	// HealTimeout bounds the heal on exit (default 30s).
	HealTimeout time.Duration
}

// Run runs one request (not wait) and heals on exit.
func (s *Session) Run(ctx context.Context, req Request) (err error) {
	if req.Action.Network() {
		defer func() {
			if _, ok := errors.AsType[*NotInjectedError](err); !ok {
				err = errors.Join(err, s.healOnExit(ctx))
			}
		}()
	}
	sum, derr := s.Engine.Do(ctx, req, 0)
	if sum == nil {
		return derr
	}
	if req.Action.Expects() == ExpectNone && !s.Keep && derr == nil {
		sum.Note = "nothing to measure: the fault was removed as the command ended; add --keep to leave it in place (`lab members --matrix` shows its effect, `lab chaos heal` removes it)"
	}
	if s.ResultsDir != "" {
		dir, rerr := NewRecordDir(s.ResultsDir, sum.Injected, string(req.Action))
		if rerr == nil {
			rerr = WriteRecord(dir, sum)
		}
		if rerr != nil {
			return errors.Join(derr, rerr)
		}
	}
	return errors.Join(derr, s.print(sum))
}

// RunSummary is the combined record of a scenario.
type RunSummary struct {
	Scenario string    `json:"scenario"`
	Seed     uint64    `json:"seed"`
	Started  time.Time `json:"started"`
	Steps    []RunStep `json:"steps"`
	Dir      string    `json:"record,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// RunStep is one step of a scenario run: a measured step's summary, or a
// wait and how long it took.
type RunStep struct {
	Line    int      `json:"line"`
	Command string   `json:"command"`
	WaitedS *float64 `json:"waited_s,omitempty"`
	Summary *Summary `json:"summary,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// RunScenario runs every step in order, each measured and recorded under
// one run directory, and heals on exit when a step is a network fault.
// Random targets of steps without
// their own --seed are drawn from seed, each step from its own stream, so
// the same seed draws the same nodes again. The scenario stops at the
// first failing step.
func (s *Session) RunScenario(ctx context.Context, sc *Scenario, source []byte, seed uint64) (err error) {
	if slices.ContainsFunc(sc.Steps, func(st Step) bool { return st.Req.Action.Network() }) {
		defer func() { err = errors.Join(err, s.healOnExit(ctx)) }()
	}
	run := &RunSummary{Scenario: sc.Name, Seed: seed, Started: s.Engine.now().UTC()}
	if s.ResultsDir != "" {
		if run.Dir, err = s.newRunDir(run.Started, source); err != nil {
			return err
		}
	}
	defer func() { err = s.endRun(run, err) }()
	agentsDown := map[string]bool{} // stopped by a step, not started since
	for i, st := range sc.Steps {
		req := st.Req
		if req.Targets.Random > 0 && !req.Targets.SeedSet {
			req.Targets.Seed, req.Targets.SeedSet = seed, true
		}
		if req.Action == ActWait {
			req.AgentsDown = slices.Sorted(maps.Keys(agentsDown))
		}
		if !s.JSON {
			fmt.Fprintf(s.Out, "== %s:%d: %s\n", sc.Name, st.Line, req.String())
		}
		step, serr := s.runStep(ctx, i, st.Line, req, run.Dir)
		if step.Summary != nil {
			trackAgents(agentsDown, req.Action, step.Summary.Targets)
		}
		if serr != nil {
			step.Error = serr.Error()
		}
		run.Steps = append(run.Steps, step)
		if serr != nil {
			return fmt.Errorf("%s:%d: %w", sc.Name, st.Line, serr)
		}
	}
	return nil
}

// newRunDir makes a scenario run's record directory and keeps the
// scenario's text in it.
func (s *Session) newRunDir(started time.Time, source []byte) (string, error) {
	dir, err := NewRecordDir(s.ResultsDir, started, "run")
	if err != nil {
		return "", err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "scenario.txt"), source, 0o644); err != nil {
		return "", err
	}
	return dir, nil
}

// endRun ends a scenario run that err ended (nil: every step passed): it
// writes the run's record, when it has a directory, and prints its
// report. It returns err with what failed in doing so.
func (s *Session) endRun(run *RunSummary, err error) error {
	if err != nil {
		run.Error = err.Error()
	}
	if run.Dir != "" {
		err = errors.Join(err, WriteRunRecord(run.Dir, run))
	}
	if s.JSON {
		return errors.Join(err, s.printJSON(run))
	}
	return errors.Join(err, WriteRunTable(s.Out, run))
}

// runStep runs step i of a scenario, from its line, and, unless it is a
// wait, records it under runDir (when not empty) and prints its table.
func (s *Session) runStep(ctx context.Context, i, line int, req Request, runDir string) (RunStep, error) {
	step := RunStep{Line: line, Command: req.String()}
	if req.Action == ActWait {
		start := s.Engine.now()
		err := s.Engine.Wait(ctx, req)
		step.WaitedS = seconds(s.Engine.now().Sub(start))
		return step, err
	}
	sum, err := s.Engine.Do(ctx, req, uint64(i+1))
	step.Summary = sum
	if sum == nil {
		return step, err
	}
	if runDir != "" {
		dir := filepath.Join(runDir, stepDirName(i, req.Action))
		rerr := os.Mkdir(dir, 0o755)
		if rerr == nil {
			rerr = WriteRecord(dir, sum)
		}
		err = errors.Join(err, rerr)
	}
	if !s.JSON {
		err = errors.Join(err, WriteTable(s.Out, sum))
		fmt.Fprintln(s.Out)
	}
	return step, err
}

// trackAgents keeps, in down, the nodes whose agent a step of action a
// stopped on targets, and no later step started again.
func trackAgents(down map[string]bool, a Action, targets []string) {
	for _, n := range targets {
		switch a {
		case ActKillAgent, ActStopAgent:
			down[n] = true
		case ActStartAgent, ActRestartAgent, ActReload, ActUp, ActHalt:
			delete(down, n)
		}
	}
}

// healOnExit removes every network fault from the running nodes, with a
// context of its own: ctx may be the one Ctrl-C just cancelled.
func (s *Session) healOnExit(ctx context.Context) error {
	if s.Keep {
		s.Engine.logger().Info("network faults kept (--keep); remove them with `lab chaos heal`")
		return nil
	}
	return s.Engine.HealOnExit(ctx, s.HealTimeout)
}

func (s *Session) print(sum *Summary) error {
	if s.JSON {
		return s.printJSON(sum)
	}
	return WriteTable(s.Out, sum)
}

// printJSON prints v (a step's Summary or a scenario's RunSummary) as
// indented JSON.
func (s *Session) printJSON(v any) error {
	js, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	_, err = fmt.Fprintf(s.Out, "%s\n", js)
	return err
}
