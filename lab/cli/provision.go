package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab/core"
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
	timings       bool
}

func (f *provisionFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.agent, "agent", "labagent", "agent to install: labagent (bundled) or serf (with --agent-binary)")
	fs.StringVar(&f.agentBinary, "agent-binary", "", "linux agent binary to install (default: labagent-linux-ARCH next to lab)")
	fs.StringVar(&f.serfVersion, "serf-version", provision.FlavourSerf.Constraint(), "version constraint a serf binary must meet")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "per-node limit, SSH connection retries included")
	fs.DurationVar(&f.verifyTimeout, "verify-timeout", time.Minute, "how long to wait for every agent to see every node alive")
	fs.BoolVar(&f.noVerify, "no-verify", false, "do not wait for the cluster to converge")
	fs.BoolVar(&f.timings, "timings", false, "say where the time went: each phase, each provisioning step per node, and the round trips made")
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

The agent is, first found first: the binary given with --agent-binary;
labagent-linux-amd64 and labagent-linux-arm64 next to the lab binary (as a
release archive ships them); for a lab installed at a released version, a
labagent built once from the Go module cache and kept in lab's cache; or
lab itself, which is the agent when started as labagent (nodes of this
host's platform). --agent serf installs a HashiCorp Serf binary instead
(with --agent-binary), started with Serf's own flags.

Host keys are pinned in .lab/known_hosts on first contact; a node whose key
changed is refused until --forget-host-key (re-created nodes) or lab destroy.`,
		Example: `  lab provision
  lab provision 'web_[1-5]' --parallel 5
  lab provision --agent serf --agent-binary ./serf
  lab provision web_3 --force --forget-host-key`,
		RunE: func(cmd *cobra.Command, args []string) error { return runProvision(cmd, env, f, args) },
	}
	f.register(cmd.Flags())
	cmd.Flags().IntVarP(&f.parallel, "parallel", "p", 0, "nodes provisioned at a time (default: the provider's, 10 on Vagrant, 32 on netns)")
	cmd.Flags().BoolVar(&f.force, "force", false, "replace the agent even when the node's is newer or the same version (a byte-identical one is kept)")
	cmd.Flags().BoolVar(&f.all, "all", false, "every node (the default without NODES)")
	cmd.Flags().BoolVar(&f.forgetHostKey, "forget-host-key", false, "forget the nodes' pinned host keys first (after re-creating them)")
	return cmd
}

func runProvision(cmd *cobra.Command, env *Env, f *provisionCmdFlags, args []string) error {
	if f.parallel < 0 || f.parallel == 0 && cmd.Flags().Changed("parallel") {
		return fmt.Errorf("--parallel %d: use 1 or more", f.parallel)
	}
	if err := f.check(); err != nil {
		return err
	}
	if err := checkAgentFlag(f.agent); err != nil {
		return err
	}
	l, err := openLab(cmd, env, "lab provision")
	if err != nil {
		return err
	}
	defer l.Close()
	if f.timings {
		defer printTimings(env, l)
	}
	nodes := l.NodeNames()
	if len(args) > 0 {
		if nodes, err = l.Select(args, f.all); err != nil {
			return err
		}
	}
	return provisionNodes(cmd.Context(), env, l, nodes, &f.provisionFlags, f.parallel, f.forgetHostKey)
}

// provisionNodes installs the agent on nodes, prints the per-node table on
// stdout, then waits for every node of the lab to see every other alive.
func provisionNodes(ctx context.Context, env *Env, l *core.Lab, nodes []string, f *provisionFlags, parallel int, forget bool) error {
	flavour, err := parseAgentFlag(f.agent)
	if err != nil {
		return err
	}
	start := time.Now()
	results, err := l.Provision(ctx, nodes, core.ProvisionOptions{
		Flavour: flavour, AgentBinary: f.agentBinary, Constraint: f.serfVersion, Force: f.force,
		Timeout: f.timeout, Parallel: parallel, ForgetHostKeys: forget,
	})
	if results != nil {
		if werr := provision.WriteTable(env.Streams.Out, results); werr != nil {
			return werr
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Streams.Err, "provisioned %s in %s\n", plural(len(results), "node"), time.Since(start).Round(time.Millisecond))
	if f.noVerify {
		return nil
	}
	return verifyCluster(ctx, env, l, flavour, f.verifyTimeout)
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
// agent binaries and without --agent-binary it only says how to get them,
// so that up still boots a lab.
func upProvision(ctx context.Context, env *Env, l *core.Lab, f *upAgentFlags, parallel int) error {
	if f.skip {
		return nil
	}
	err := provisionNodes(ctx, env, l, l.NodeNames(), &f.provisionFlags, parallel, false)
	if core.IsNoAgent(err) && f.agentBinary == "" {
		fmt.Fprintf(env.Streams.Err, "provision: skipped: %s\n", hint.Text(err))
		return nil
	}
	return err
}

// plural writes n and noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// printTimings writes the session's timings on stderr.
func printTimings(env *Env, l *core.Lab) {
	t, counts := l.Timings()
	fmt.Fprintln(env.Streams.Err)
	_ = t.Write(env.Streams.Err, counts)
}
