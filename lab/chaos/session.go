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
// one run directory, and heals on exit. Random targets of steps without
// their own --seed are drawn from seed, each step from its own stream, so
// the same seed draws the same nodes again. The scenario stops at the
// first failing step.
func (s *Session) RunScenario(ctx context.Context, sc *Scenario, source []byte, seed uint64) (err error) {
	defer func() { err = errors.Join(err, s.healOnExit(ctx)) }()
	run := &RunSummary{Scenario: sc.Name, Seed: seed, Started: s.Engine.now().UTC()}
	runDir := ""
	if s.ResultsDir != "" {
		if runDir, err = NewRecordDir(s.ResultsDir, run.Started, "run"); err != nil {
			return err
		}
		run.Dir = runDir
		if err := atomicfile.WriteFile(filepath.Join(runDir, "scenario.txt"), source, 0o644); err != nil {
			return err
		}
	}
	defer func() {
		if err != nil {
			run.Error = err.Error()
		}
		if runDir != "" {
			err = errors.Join(err, WriteRunRecord(runDir, run))
		}
		if s.JSON {
			js, _ := json.MarshalIndent(run, "", "  ")
			_, werr := fmt.Fprintf(s.Out, "%s\n", js)
			err = errors.Join(err, werr)
		} else {
			err = errors.Join(err, WriteRunTable(s.Out, run))
		}
	}()
	agentsDown := map[string]bool{} // stopped by a step, not started since
	for i, st := range sc.Steps {
		req := st.Req
		if req.Targets.Random > 0 && !req.Targets.SeedSet {
			req.Targets.Seed, req.Targets.SeedSet = seed, true
		}
		if req.Action == ActWait {
			req.AgentsDown = slices.Sorted(maps.Keys(agentsDown))
		}
		step := RunStep{Line: st.Line, Command: req.String()}
		if !s.JSON {
			fmt.Fprintf(s.Out, "== %s:%d: %s\n", sc.Name, st.Line, req.String())
		}
		if req.Action == ActWait {
			start := s.Engine.now()
			werr := s.Engine.Wait(ctx, req)
			step.WaitedS = seconds(s.Engine.now().Sub(start))
			if werr != nil {
				step.Error = werr.Error()
				run.Steps = append(run.Steps, step)
				return fmt.Errorf("%s:%d: %w", sc.Name, st.Line, werr)
			}
			run.Steps = append(run.Steps, step)
			continue
		}
		sum, derr := s.Engine.Do(ctx, req, uint64(i+1))
		step.Summary = sum
		if sum != nil {
			for _, n := range sum.Targets {
				switch req.Action {
				case ActKillAgent, ActStopAgent:
					agentsDown[n] = true
				case ActStartAgent, ActRestartAgent, ActReload, ActUp, ActHalt:
					delete(agentsDown, n)
				}
			}
		}
		if sum != nil && runDir != "" {
			dir := filepath.Join(runDir, fmt.Sprintf("%02d-%s", i+1, req.Action))
			rerr := os.Mkdir(dir, 0o755)
			if rerr == nil {
				rerr = WriteRecord(dir, sum)
			}
			derr = errors.Join(derr, rerr)
		}
		if sum != nil && !s.JSON {
			derr = errors.Join(derr, WriteTable(s.Out, sum))
			fmt.Fprintln(s.Out)
		}
		if derr != nil {
			step.Error = derr.Error()
			run.Steps = append(run.Steps, step)
			return fmt.Errorf("%s:%d: %w", sc.Name, st.Line, derr)
		}
		run.Steps = append(run.Steps, step)
	}
	return nil
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
		js, err := json.MarshalIndent(sum, "", "  ")
		if err != nil {
			return fmt.Errorf("encode summary: %w", err)
		}
		_, err = fmt.Fprintf(s.Out, "%s\n", js)
		return err
	}
	return WriteTable(s.Out, sum)
}
