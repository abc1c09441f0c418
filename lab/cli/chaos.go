package cli

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/internal/boundedfile"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab/chaos"
	"github.com/gossiplab/gossiplab/lab/core"
	"github.com/gossiplab/gossiplab/lab/watch"
	"github.com/gossiplab/gossiplab/provision"
)

type chaosFlags struct {
	step     chaos.Flags
	json     bool
	keep     bool
	noRecord bool
	agent    string
}

func newChaosCommand(env *Env) *cobra.Command {
	f := &chaosFlags{}
	cmd := &cobra.Command{
		Use:   "chaos ACTION [ARGS] [TARGETS] [flags]",
		Short: "Inject a fault (halt, crash, leave, partition, loss) and measure when every surviving node noticed",
		Long: `chaos injects one fault at a known instant and reads every surviving agent's
journal to measure when it noticed: member-failed or member-leave after halt,
kill-agent, stop-agent, partition and isolate; member-join after up, reload,
start-agent, restart-agent and heal (after reload also member-update: a node
back before the others noticed it gone); the user event after event. It prints one row per observer, then
first, p50, p95, p99 and last, and the nodes that never saw it within
--timeout (default: from the simulator's forecast of the step, see docs/chaos.md), and writes
results/chaos/<UTC time>-<action>/ (latencies.csv, summary.json).

Actions:
  halt [--force] NODES       graceful halt, or power off
  reload NODES | up NODES    reboot, or boot halted nodes
  kill-agent NODES           SIGKILL the agent: a crash
  stop-agent NODES           stop the agent: it leaves
  start-agent | restart-agent NODES
  event NODES                send a user event from the nodes (labagent event)
  partition GROUP_A GROUP_B  cut two groups apart (nftables in each node)
  isolate NODES              cut nodes off from every other node
  loss PERCENT [NODES]       drop PERCENT of what the nodes send (all nodes by default)
  delay DURATION [NODES]     delay what the agents send (the agent's fault hook)
  heal                       remove every network fault chaos added
  run FILE                   run a scenario file, one step per line
  generate                   write a scenario of random faults (lab chaos generate --help)

On a lab provisioned with Serf (lab provision --agent serf) the agent
actions run serf's commands and the times come from each observer's
serf monitor stream, stamped on arrival; delay is refused there (Serf has
no fault hook). --agent overrides what the lab state says.

On nodes that are real machines (the hosts provider's) halt, reload and up
power them off, reboot them or wait for them: they need --allow-power.

Targets are node names, comma lists, ranges (web_[6-10]), globs ('web_*'),
--tag k=v, --random K (with --seed S to draw the same again) or --all.
Network faults are healed when the command ends, also after Ctrl-C, unless
--keep.`,
		Example: `  lab chaos halt web_3
  lab chaos reload web_3
  lab chaos partition 'web_[1-5]' 'web_[6-10]'
  lab chaos loss 30 --tag role=web --keep
  lab chaos heal
  lab chaos kill-agent --random 2 --seed 42 --json
  lab chaos run scenario.chaos --seed 7`,
		Args: needArgs("an action (halt, kill-agent, partition, loss, ... or run FILE)", "lab chaos --help lists the actions"),
		RunE: func(cmd *cobra.Command, args []string) error { return runChaos(cmd, env, f, args) },
	}
	cmd.AddCommand(newChaosGenerateCommand(env))
	f.step.Bind(cmd.Flags())
	cmd.Flags().BoolVar(&f.json, "json", false, "print the summary as JSON")
	cmd.Flags().BoolVar(&f.keep, "keep", false, "leave network faults in place when the command ends (lab chaos heal removes them)")
	cmd.Flags().BoolVar(&f.noRecord, "no-record", false, "write no record under results/chaos/")
	cmd.Flags().StringVar(&f.agent, "agent", "", "agent on the nodes: labagent or serf (default: what lab provision installed)")
	cmd.Flags().Bool("allow-power", false, "let halt, reload and up act on nodes that are real machines")
	return cmd
}

func runChaos(cmd *cobra.Command, env *Env, f *chaosFlags, args []string) error {
	what, err := parseChaosArgs(cmd, f, args)
	if err != nil {
		return err
	}
	if err := checkAgentFlag(f.agent); err != nil {
		return err
	}
	l, err := openLab(cmd, env, "lab chaos")
	if err != nil {
		return err
	}
	defer l.Close()
	flavour, err := flavourOf(l, f.agent)
	if err != nil {
		return err
	}
	engine := l.Chaos(flavour)
	engine.Injected = func(a chaos.Action, targets []string, at time.Time) {
		// For lab watch's footer; a watch that misses it loses nothing else.
		if err := watch.WriteFault(l.Paths.LastFault(), watch.Fault{Action: string(a), Targets: targets, Injected: at}); err != nil {
			env.Logger.Debug("record the last fault for lab watch", "err", err)
		}
	}
	if err := what.check(l, engine.Agent); err != nil {
		return err
	}
	s := &chaos.Session{Engine: engine, Out: env.Streams.Out, JSON: f.json, Keep: f.keep}
	if !f.noRecord {
		s.ResultsDir = l.Paths.ResultsDir()
	}
	ctx := cmd.Context()
	if what.scenario != nil {
		seed := f.step.Seed
		if !cmd.Flags().Changed("seed") {
			seed = rand.Uint64()
		}
		err = s.RunScenario(ctx, what.scenario, what.source, seed)
	} else {
		err = s.Run(ctx, what.req)
	}
	if serr := l.RecordStatus(ctx); serr != nil {
		env.Logger.Warn("could not record the nodes' state", "err", serr)
	}
	if ctx.Err() != nil {
		return core.Interrupted("lab chaos", "network faults were healed unless --keep; lab status and lab members show where the cluster is")
	}
	return err
}

// chaosRun is what lab chaos was asked to run: one step, or a scenario
// (with its file's text, for the record).
type chaosRun struct {
	req      chaos.Request
	scenario *chaos.Scenario
	source   []byte
}

// parseChaosArgs reads lab chaos's arguments: ACTION [ARGS] [TARGETS], or
// run FILE. It refuses a wait, which only a scenario can hold.
func parseChaosArgs(cmd *cobra.Command, f *chaosFlags, args []string) (chaosRun, error) {
	var (
		what chaosRun
		err  error
	)
	if args[0] == "run" {
		if len(args) != 2 {
			return what, hint.Wrap(errors.New("run needs one scenario file"), "lab chaos run scenario.chaos")
		}
		if what.source, err = boundedfile.ReadFile(args[1], chaos.MaxScenarioSize); err != nil {
			return what, fmt.Errorf("read scenario: %w", err)
		}
		what.scenario, err = chaos.ParseScenario(args[1], strings.NewReader(string(what.source)))
		return what, err
	}
	if what.req, err = chaos.ParseRequest(args[0], args[1:], f.step, cmd.Flags().Changed("seed")); err != nil {
		return what, err
	}
	if what.req.Action == chaos.ActWait {
		return what, hint.Wrap(errors.New("wait is a scenario step"), "put it in a scenario file and use lab chaos run FILE")
	}
	return what, nil
}

// check refuses, before anything is done, nodes the lab lacks and steps
// the agent cannot do, on every step of a scenario.
func (r chaosRun) check(l *core.Lab, agent chaos.AgentCLI) error {
	if r.scenario != nil {
		return errors.Join(r.scenario.Check(l.Lab), r.scenario.CheckAgent(agent), l.CheckScenarioPower(r.scenario))
	}
	return errors.Join(r.req.Check(l.Lab), agent.Supports(r.req), l.CheckChaosPower(r.req))
}

// checkAgentFlag refuses a bad --agent before the lab is opened.
func checkAgentFlag(flag string) error {
	if flag == "" {
		return nil
	}
	_, err := parseAgentFlag(flag)
	return err
}

// parseAgentFlag reads an --agent value.
func parseAgentFlag(flag string) (provision.Flavour, error) {
	f, err := provision.ParseFlavour(flag)
	return f, hint.Wrap(err, "use labagent (bundled) or serf (with --agent-binary PATH)")
}

// flavourOf is the agent the lab's nodes run: flag (labagent or serf)
// when given, else what lab provision last installed.
func flavourOf(l *core.Lab, flag string) (provision.Flavour, error) {
	if flag != "" {
		return parseAgentFlag(flag)
	}
	if err := l.StateWarning(); err != nil {
		return "", err
	}
	return l.Flavour()
}
