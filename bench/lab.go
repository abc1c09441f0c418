package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/chaos"
	"github.com/gossiplab/gossiplab/lab/core"
)

// Attacher is implemented by backends that run on a cluster that exists
// already, whose size is fixed (the lab backend). bench converge attaches
// them before it plans the runs: --nodes must then be the cluster's size.
type Attacher interface {
	// Attach opens the cluster at dir for the runs; the attachment's Detach
	// releases it.
	Attach(ctx context.Context, dir string) (*Attachment, error)
}

// Attachment is a cluster a backend attached to.
type Attachment struct {
	// Nodes is the cluster's size: the only N the backend runs.
	Nodes int
	// Profile is the agents' profile (lan, wan, local): the models must
	// run the same one to predict this cluster.
	Profile string
	// Info describes the cluster for summary.json; the backend updates it
	// as runs go (clock uncertainty).
	Info *LabInfo
	// Detach releases the cluster (its lock, connections). Idempotent.
	Detach func() error
}

// LabInfo is the lab a run was made on, in summary.json.
type LabInfo struct {
	Dir          string `json:"dir"`
	Name         string `json:"name"`
	Provider     string `json:"provider"`
	AgentProfile string `json:"agent_profile"`
	// Agent is the agent the nodes run: labagent or serf.
	Agent string `json:"agent,omitempty"`
	Nodes int    `json:"nodes"`
	// SharedClock: the nodes read the controller's clock (netns), so
	// latencies need no offset estimate.
	SharedClock bool `json:"shared_clock"`
	// ClockUncertainty is the largest clock-offset uncertainty of any
	// observer in any run (half the shortest SSH round trip of chaos's
	// estimate): every lab latency is good to within it. 0 on a shared
	// clock.
	ClockUncertainty Seconds `json:"clock_uncertainty_s"`
	// Loss is the fraction of gossip packets (UDP on the gossip port)
	// every node dropped of what it sent during the runs (--loss), and
	// LossMechanism how: nft (lab chaos loss --scope udp) or the agent's
	// fault hook where a node has no nftables.
	Loss          float64 `json:"loss,omitempty"`
	LossMechanism string  `json:"loss_mechanism,omitempty"`
	// Wait is how long the last run waited for its observers and why:
	// without --timeout, chaos's default from the simulator's forecast of
	// the run, which it holds beside the measurement.
	Wait *chaos.WaitRecord `json:"wait,omitempty"`
}

// LabProviders finds a lab's provider by its name; *lab.Registry has it.
// bench never imports a provider: main builds the registry.
type LabProviders interface {
	Get(name string) (lab.Provider, error)
}

var _ LabProviders = (*lab.Registry)(nil)

// Lab runs experiments on a running lab (netns or Vagrant) through lab
// chaos: each run picks one node (seeded), injects the event there with
// chaos's actions and reads every other agent's journal for when it
// learned it, then restores the node and waits until the cluster has
// converged again.
//
//   - fail: kill-agent (SIGKILL); observers record member-failed. The
//     agent is started again after the run.
//   - leave: stop-agent (a graceful leave); observers record member-leave.
//   - join: restart-agent (stop, wait until every observer saw the leave,
//     then the measured start); observers record member-join. The cluster has N-1 nodes
//     before the join and N after (the in-process backends add node N+1).
//   - user: chaos's event action (`labagent event` on the node); observers
//     record the user event from it.
//
// With a loss in the profile (bench --loss), every node drops that share
// of the gossip packets it sends for the whole of Run: chaos's loss on the
// gossip port's UDP (nft, else the agent's hook), what the in-process
// backend's transport hook and the simulator drop too. Run heals it when
// it returns, also when interrupted.
//
// On a lab provisioned with Serf (lab provision --agent serf) the same
// actions run Serf's commands, and observers' times come from their
// `serf monitor` streams (see package chaos).
type Lab struct {
	providers LabProviders
	log       *slog.Logger
	// connect makes the shell that reaches the nodes (the session's SSH
	// connections); tests fake it.
	connect func(l *core.Lab) chaos.Shell
	// poll is how often journals and views are read (0: chaos's default).
	poll time.Duration
	// restoreTimeout bounds restoring a node after an interrupted run.
	restoreTimeout time.Duration

	att *attached
}

var (
	_ Backend  = (*Lab)(nil)
	_ Attacher = (*Lab)(nil)
)

// attached is the lab the backend runs on.
type attached struct {
	lab    *lab.Lab
	engine *chaos.Engine
	info   *LabInfo
}

// NewLab returns the lab backend; providers is main's registry.
func NewLab(providers LabProviders, log *slog.Logger) *Lab {
	return &Lab{providers: providers, log: log, connect: func(l *core.Lab) chaos.Shell { return l.Shell() }, restoreTimeout: time.Minute}
}

// Name is "lab".
func (b *Lab) Name() string { return BackendLab }

// Attach opens the lab in dir, takes its lock (so that no lab command
// changes it during the runs) and connects to its nodes.
func (b *Lab) Attach(ctx context.Context, dir string) (*Attachment, error) {
	if b.providers == nil {
		return nil, hint.Errorf("use cmd/bench, which registers netns and vagrant", "this bench binary knows no lab provider")
	}
	l, err := core.Open(ctx, dir, core.Options{Providers: b.providers, Logger: b.log, Lock: "bench converge --backend lab", Binary: "bench"})
	if errors.Is(err, lab.ErrNoLab) {
		err = hint.Wrap(err, "run lab up --nodes N there to make one, or pass --lab-dir")
	}
	if err != nil {
		return nil, err
	}
	flavour, err := l.Flavour()
	if err == nil {
		err = errors.Join(l.StateWarning(), l.RequireRunning(ctx))
	}
	if err != nil {
		return nil, errors.Join(err, l.Close())
	}
	a := b.attach(l.Lab, l.Provider, b.connect(l))
	a.engine.Agent = chaos.AgentFor(flavour)
	a.engine.FollowJournals = true
	a.info.Agent = string(flavour)
	a.info.AgentProfile = flavour.Profile(a.info.AgentProfile)
	detached := false
	return &Attachment{Nodes: len(l.Nodes), Profile: a.info.AgentProfile, Info: a.info, Detach: func() error {
		if detached {
			return nil
		}
		detached = true
		b.att = nil
		return l.Close()
	}}, nil
}

// attach sets the lab the runs use.
func (b *Lab) attach(l *lab.Lab, m chaos.Machines, sh chaos.Shell) *attached {
	info := m.Info()
	b.att = &attached{
		lab:    l,
		engine: &chaos.Engine{Lab: l, Machines: m, Shell: sh, Logger: b.log, Poll: b.poll},
		info: &LabInfo{Dir: l.Paths.Dir, Name: l.Spec.Name, Provider: info.Name, AgentProfile: l.Spec.Agent.Profile,
			Nodes: len(l.Nodes), SharedClock: info.SharedClock},
	}
	return b.att
}

// Run makes spec.Runs runs on the attached lab. Before each it waits until
// every agent sees every running node alive; after each it restores the
// node (also when interrupted) so that the lab is left as it was found.
func (b *Lab) Run(ctx context.Context, spec Spec, done func(run int, samples []Sample)) (err error) {
	a := b.att
	if a == nil {
		return errors.New("lab backend: no lab attached\nhint: bench converge --backend lab --lab-dir DIR")
	}
	if spec.N != len(a.lab.Nodes) {
		return fmt.Errorf("lab %s has %d nodes, not %d\nhint: omit --nodes with --backend lab, or pass --nodes %d", a.lab.Spec.Name, len(a.lab.Nodes), spec.N, len(a.lab.Nodes))
	}
	if spec.Profile.Loss > 0 {
		// Healed also when the loss was only partly applied.
		defer func() { err = errors.Join(err, a.engine.HealOnExit(ctx, b.restoreTimeout)) }()
		if err := b.applyLoss(ctx, a, spec.Profile.Loss); err != nil {
			return err
		}
	}
	names := a.lab.NodeNames()
	for run := range spec.Runs {
		if err := b.settle(ctx, a); err != nil {
			return fmt.Errorf("run %d: before the injection: %w", run, err)
		}
		node := pickNode(names, spec.Seed, run)
		samples, err := b.runOnce(ctx, a, spec, run, node)
		if err != nil {
			return fmt.Errorf("run %d (%s of %s): %w", run, spec.Event, node, err)
		}
		done(run, samples)
	}
	return b.settle(ctx, a)
}

// applyLoss makes every node drop loss (a fraction) of the gossip packets
// it sends, with chaos's loss action, and records how in the lab's info.
func (b *Lab) applyLoss(ctx context.Context, a *attached, loss float64) error {
	req := chaos.Request{Action: chaos.ActLoss, Targets: chaos.Targets{All: true}, Percent: loss * 100,
		Scope: chaos.ScopeUDP, Ports: chaos.DefaultGossipPorts, Mechanism: chaos.MechAuto}
	sum, err := a.engine.Do(ctx, req, 0)
	if err != nil {
		return fmt.Errorf("--loss %g: %w", loss, err)
	}
	var mechs []string
	for _, m := range sum.Mechanism {
		if !slices.Contains(mechs, m) {
			mechs = append(mechs, m)
		}
	}
	slices.Sort(mechs)
	a.info.Loss, a.info.LossMechanism = loss, strings.Join(mechs, ",")
	return nil
}

// pickNode draws the node of a run from the seed: the same seed picks
// the same nodes again.
func pickNode(names []string, seed uint64, run int) string {
	rng := rand.New(rand.NewPCG(seed, uint64(run)))
	return names[rng.IntN(len(names))]
}

// settle waits until every running agent sees every running node alive.
func (b *Lab) settle(ctx context.Context, a *attached) error {
	return a.engine.Wait(ctx, chaos.Request{Action: chaos.ActWait, Converged: true})
}

// runOnce injects the event on node, measures it and restores the node.
func (b *Lab) runOnce(ctx context.Context, a *attached, spec Spec, run int, node string) (_ []Sample, err error) {
	step := func(act chaos.Action) (*chaos.Summary, error) {
		req := chaos.Request{Action: act, Targets: chaos.Targets{Selectors: []string{node}}, Timeout: spec.Timeout}
		return a.engine.Do(ctx, req, 0)
	}
	var act chaos.Action
	switch spec.Event {
	case EventFail:
		act = chaos.ActKillAgent
	case EventLeave:
		act = chaos.ActStopAgent
	case EventJoin:
		// Stop, wait until every observer saw the node go, then the
		// measured start: the state a join starts from.
		act = chaos.ActRestartAgent
	case EventUser:
		act = chaos.ActEvent
	default:
		return nil, fmt.Errorf("the lab backend cannot run %q events", spec.Event)
	}
	// The node's agent is stopped and must be started again: after a fail
	// or leave, and after a join that did not complete. Starting an agent
	// that runs does nothing.
	down := spec.Event != EventUser
	defer func() {
		if down {
			err = errors.Join(err, b.restore(ctx, a, node))
		}
	}()
	sum, err := step(act)
	if spec.Event == EventJoin {
		down = err != nil // a completed join left the agent running
	}
	if err != nil {
		return nil, err
	}
	return b.samples(a, spec, run, sum), nil
}

// restore starts node's agent again, with a context of its own when ctx
// was cancelled (Ctrl-C must not leave the lab with an agent down).
func (b *Lab) restore(ctx context.Context, a *attached, node string) error {
	rctx := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), b.restoreTimeout)
		defer cancel()
	}
	if _, err := a.engine.Shell.Run(rctx, node, a.engine.Agent.StartScript(), nil); err != nil {
		return fmt.Errorf("restore %s: start its agent: %w\nhint: lab chaos start-agent %s", node, err, node)
	}
	return nil
}

// samples turns a chaos measurement into bench samples, one per observer;
// an unreachable observer counts as not having learned the event.
func (b *Lab) samples(a *attached, spec Spec, run int, sum *chaos.Summary) []Sample {
	timeout := time.Duration(sum.TimeoutS * float64(time.Second))
	if a.info.Wait = sum.Wait; sum.Wait != nil && b.log != nil {
		b.log.Info("waited", "run", run, "timeout", timeout, "rule", sum.Wait.Rule)
		if pr := sum.Wait.Predicted; pr != nil {
			b.log.Info("simulator's forecast", "run", run, "scenario", pr.Scenario, "p50_s", pr.P50S, "p99_s", pr.P99S, "last_s", pr.LastS)
		}
	}
	out := make([]Sample, 0, len(sum.Observations))
	for _, o := range sum.Observations {
		out = append(out, Sample{Backend: BackendLab, N: spec.N, Run: run, Observer: o.Node, Event: spec.Event,
			Latency: o.Latency, Learned: o.Saw, Timeout: timeout})
		a.info.ClockUncertainty = max(a.info.ClockUncertainty, Seconds(o.ClockError))
	}
	if len(sum.Unreachable) > 0 && b.log != nil {
		b.log.Warn("observers unreachable: counted as not learned", "run", run, "nodes", lab.Summarize(sum.Unreachable))
	}
	return out
}
