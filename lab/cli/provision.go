package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/provision"
)

// provisionFlags are the agent settings of lab provision, shared by lab up.
type provisionFlags struct {
	agent         string
	agentBinary   string
	serfVersion   string
	force         bool
	timeout       time.Duration
	verifyTimeout time.Duration
	noVerify      bool
}

func (f *provisionFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.agent, "agent", "labagent", "agent to install: labagent (bundled) or serf (with --agent-binary)")
	fs.StringVar(&f.agentBinary, "agent-binary", "", "linux agent binary to install (default: labagent-linux-ARCH next to lab)")
	fs.StringVar(&f.serfVersion, "serf-version", provision.FlavourSerf.Constraint(), "version constraint a serf binary must meet")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "per-node limit, SSH connection retries included")
	fs.DurationVar(&f.verifyTimeout, "verify-timeout", time.Minute, "how long to wait for every agent to see every node alive")
	fs.BoolVar(&f.noVerify, "no-verify", false, "do not wait for the cluster to converge")
}

// check refuses flag values that could only fail later, after booting.
func (f *provisionFlags) check() error {
	if err := positive("--timeout", f.timeout); err != nil {
		return err
	}
	return positive("--verify-timeout", f.verifyTimeout)
}

// positive refuses a zero or negative duration given to flag.
func positive(flag string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s %s: use a positive duration such as 30s or 2m", flag, d)
	}
	return nil
}

type provisionCmdFlags struct {
	provisionFlags
	parallel      int
	all           bool
	forgetHostKey bool
}

func newProvisionCommand(env *Env) *cobra.Command {
	f := &provisionCmdFlags{}
	cmd := &cobra.Command{
		Use:   "provision [NODES]",
		Short: "Install, configure and start the gossip agent on nodes over SSH, then check the cluster formed",
		Long: `provision installs the agent on the nodes (every node without NODES), K at a
time, over SSH: it learns each node's architecture, init system and the
interface holding its lab IP, uploads the agent binary for that architecture
(checked by sha256, renamed into /usr/local/bin atomically), writes its
config (/etc/labagent/labagent.json: bind and advertise = the lab IP, join =
the first seeds, the lab's gossip key from .lab/gossip.key) and a service
(systemd unit, SysV init script, or an rc.local entry), and (re)starts it.

It is idempotent: a node already running the same version with the same
config is left untouched ("unchanged"); an older agent is upgraded, a newer
one left alone unless --force. Then it waits until every agent lists every
node alive, and otherwise says which nodes do not see whom.

The agent binaries are labagent-linux-amd64 and labagent-linux-arm64 next to
the lab binary, built on any host with:

  CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o bin/labagent-linux-amd64 ./cmd/labagent
  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -o bin/labagent-linux-arm64 ./cmd/labagent
  go build -o bin/lab ./cmd/lab

or one binary given with --agent-binary. --agent serf installs a HashiCorp
Serf binary instead, started with Serf's own flags.

Host keys are pinned in .lab/known_hosts on first contact; a node whose key
changed is refused until --forget-host-key (re-created nodes) or lab destroy.`,
		Example: `  lab provision
  lab provision 'web_[1-5]' --parallel 5
  lab provision --agent serf --agent-binary ./serf
  lab provision web_3 --force --forget-host-key`,
		RunE: func(cmd *cobra.Command, args []string) error { return runProvision(cmd, env, f, args) },
	}
	f.register(cmd.Flags())
	cmd.Flags().IntVarP(&f.parallel, "parallel", "p", 10, "nodes provisioned at a time")
	cmd.Flags().BoolVar(&f.force, "force", false, "replace the agent even when the node's is newer or the same version (a byte-identical one is kept)")
	cmd.Flags().BoolVar(&f.all, "all", false, "every node (the default without NODES)")
	cmd.Flags().BoolVar(&f.forgetHostKey, "forget-host-key", false, "forget the nodes' pinned host keys first (after re-creating them)")
	return cmd
}

func runProvision(cmd *cobra.Command, env *Env, f *provisionCmdFlags, args []string) error {
	if f.parallel < 1 {
		return fmt.Errorf("--parallel %d: use 1 or more", f.parallel)
	}
	if err := f.check(); err != nil {
		return err
	}
	if err := checkAgentFlag(f.agent); err != nil {
		return err
	}
	l, err := loadLab(cmd)
	if err != nil {
		return err
	}
	nodes := l.NodeNames()
	if len(args) > 0 {
		if nodes, err = l.Select(args, f.all); err != nil {
			return err
		}
	}
	prov, err := providerOf(env, l)
	if err != nil {
		return err
	}
	lock, err := lab.AcquireLock(l.Paths, "lab provision")
	if err != nil {
		return err
	}
	defer lock.Release()
	if f.forgetHostKey {
		if err := provision.NewKnownHosts(l.Paths.KnownHosts()).Forget(nodes...); err != nil {
			return err
		}
	}
	return provisionNodes(cmd.Context(), env, l, prov, nodes, &f.provisionFlags, f.parallel)
}

// noAgentError marks a lab up that found no agent to install; it reads
// as the error it holds.
type noAgentError struct{ error }

func (e noAgentError) Unwrap() error { return e.error }

// provisionNodes installs the agent on nodes, prints the per-node table on
// stdout, then waits for every node of the lab to see every other alive.
// The caller holds the lab's lock.
func provisionNodes(ctx context.Context, env *Env, l *lab.Lab, prov lab.Provider, nodes []string, f *provisionFlags, parallel int) error {
	if err := checkMoved(ctx, l, prov); err != nil {
		return err
	}
	p, err := newProvisioner(ctx, env, l, f, parallel)
	if err != nil {
		return err
	}
	// Nodes that are not running fail at once instead of after --timeout.
	statuses, err := prov.Status(ctx, l)
	if err != nil {
		return err
	}
	state := map[string]lab.NodeStatus{}
	for _, s := range statuses {
		state[s.Node] = s
	}
	var up []string
	var down []provision.Result
	for _, n := range nodes {
		if s := state[n]; s.State != lab.StateRunning {
			down = append(down, provision.Result{Node: n, Action: provision.ActionFailed, Err: downErr(n, s.State)})
			continue
		}
		up = append(up, n)
	}
	eps, err := prov.SSHEndpoints(ctx, l, up)
	if err != nil {
		return err
	}
	targets, err := l.AgentTargets(eps)
	if err != nil {
		return err
	}
	start := time.Now()
	pr := newProgress(ctx, env, len(targets), provisionPhases)
	p.SetProgress(func(node string, s provision.Step) {
		if s == provision.StepConnected || s == provision.StepDone {
			pr.step(node, lab.Phase(s))
		}
	})
	results := append(p.Run(ctx, targets), down...)
	pr.finish()
	sortResults(nodes, results)
	if err := provision.WriteTable(env.Streams.Out, results); err != nil {
		return err
	}
	if err := recordAgents(env, l, p.Layout().Name, results); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return interrupted("lab provision", "run lab provision again: it picks up where it stopped")
	}
	if err := provision.Failed(results); err != nil {
		return err
	}
	fmt.Fprintf(env.Streams.Err, "provisioned %s in %s\n", plural(len(results), "node"), time.Since(start).Round(time.Millisecond))
	if f.noVerify {
		return nil
	}
	return verifyCluster(ctx, env, l, prov, p.Layout(), f.verifyTimeout)
}

// provisionPhases are the steps the progress bars show.
var provisionPhases = []lab.Phase{lab.Phase(provision.StepConnected), lab.Phase(provision.StepDone)}

func newProvisioner(ctx context.Context, env *Env, l *lab.Lab, f *provisionFlags, parallel int) (*provision.Provisioner, error) {
	flavour, err := parseAgentFlag(f.agent)
	if err != nil {
		return nil, err
	}
	binaries, err := lab.FindAgentBinaries(flavour, f.agentBinary, exeDir())
	if err != nil {
		return nil, noAgentError{err}
	}
	bundle := provision.Bundle{Flavour: flavour, Binaries: binaries}
	if flavour.Constraint() != "" {
		bundle.Constraint = f.serfVersion
	}
	// The version of the binary this host can run; for the others, the
	// same build's version is assumed (one go build of one source tree).
	if bin, ok := binaries[runtime.GOARCH]; ok && runtime.GOOS == "linux" {
		if bundle.Version, err = provision.LocalVersion(ctx, bin); err != nil {
			return nil, err
		}
	}
	var key []byte
	if l.Spec.Agent.Encrypt {
		if key, err = lab.EnsureEncryptKey(l.Paths); err != nil {
			return nil, err
		}
	}
	return provision.New(provision.Options{
		Bundle:      bundle,
		Agent:       l.AgentSettings(key),
		HostKeys:    provision.NewKnownHosts(l.Paths.KnownHosts()),
		Dial:        provision.DialOptions{Timeout: f.timeout, Logger: env.Logger},
		Force:       f.force,
		Parallel:    parallel,
		NodeTimeout: f.timeout,
		Logger:      env.Logger,
	})
}

// exeDir is the directory of the running lab binary.
func exeDir() string {
	exe, err := os.Executable()
	if err != nil {
		return "."
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	return filepath.Dir(exe)
}

// upAgentFlags are lab up's provisioning flags.
type upAgentFlags struct {
	provisionFlags
	skip bool
}

func (f *upAgentFlags) register(fs *pflag.FlagSet) {
	f.provisionFlags.register(fs)
	fs.BoolVar(&f.skip, "no-provision", false, "boot only; do not install the agent")
}

// upProvision is lab up's last phase: the agent on every node. Without
// agent binaries next to lab and without --agent-binary it only says how
// to get them, so that up still boots a lab.
func upProvision(ctx context.Context, env *Env, l *lab.Lab, prov lab.Provider, f *upAgentFlags, parallel int) error {
	if f.skip {
		return nil
	}
	err := provisionNodes(ctx, env, l, prov, l.NodeNames(), &f.provisionFlags, parallel)
	var na noAgentError
	if errors.As(err, &na) && f.agentBinary == "" {
		fmt.Fprintf(env.Streams.Err, "provision: skipped: %v\n", err)
		return nil
	}
	return err
}

// sortResults orders results as nodes.
func sortResults(nodes []string, results []provision.Result) {
	pos := map[string]int{}
	for i, n := range nodes {
		pos[n] = i
	}
	slices.SortStableFunc(results, func(a, b provision.Result) int { return pos[a.Node] - pos[b.Node] })
}

// lastFailed marks an agent whose node's last provisioning failed.
const lastFailed = " (last provision failed)"

// recordAgents notes in the lab's state what runs on each node, for the
// AGENT column of lab status.
func recordAgents(env *Env, l *lab.Lab, name string, results []provision.Result) error {
	st, err := loadOrNewState(l)
	if err != nil {
		return err
	}
	for _, r := range results {
		n := st.Node(r.Node)
		switch {
		case n == nil:
		case r.Err != nil:
			// A failed provision leaves the previous agent in place.
			prev := strings.TrimSuffix(n.Agent, lastFailed)
			if prev == "" || prev == "provision failed" {
				n.Agent = "provision failed"
			} else {
				n.Agent = prev + lastFailed
			}
		default:
			n.Agent = name + " " + r.Version
			st.Agent = name
		}
	}
	return lab.SaveState(l.Paths, st, env.now())
}

// plural writes n and noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
