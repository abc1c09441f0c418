package netns

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/lab"
)

// HelperArg is the first argument with which the provider re-executes the
// lab binary as a node's holder or a lab's forwarder.
const HelperArg = "__netns-helper"

// IsHelper tells main that this process is a re-executed helper: main
// then calls RunHelper and exits with its status, before anything else.
func IsHelper(args []string) bool { return len(args) > 1 && args[1] == HelperArg }

// Options configure the provider.
type Options struct {
	// Exe is the binary re-executed as holder and forwarder; it must call
	// RunHelper when IsHelper. Default: this process's executable.
	Exe string
	// Grace is how long a graceful halt waits for a node's processes
	// before killing them. Default 5s.
	Grace time.Duration
	// SSHTimeout bounds the wait for a booted node's sshd. Default 30s.
	SSHTimeout time.Duration
	// Runner runs ip and the like. Default execx.Exec.
	Runner execx.Runner
}

// Provider is the netns provider. Make it with New.
type Provider struct {
	log  *slog.Logger
	opts Options
}

var (
	_ lab.Provider       = (*Provider)(nil)
	_ lab.LeftoverFinder = (*Provider)(nil)
	_ lab.OrphanFinder   = (*Provider)(nil)
	_ lab.HostNoter      = (*Provider)(nil)
)

// New makes the provider.
func New(log *slog.Logger, opts Options) *Provider {
	if opts.Exe == "" {
		if exe, err := os.Executable(); err == nil {
			opts.Exe = exe
		} else {
			opts.Exe = os.Args[0]
		}
	}
	if opts.Grace <= 0 {
		opts.Grace = 5 * time.Second
	}
	if opts.SSHTimeout <= 0 {
		opts.SSHTimeout = 30 * time.Second
	}
	if opts.Runner == nil {
		opts.Runner = execx.Exec{}
	}
	return &Provider{log: log, opts: opts}
}

// Info names the provider and its capabilities.
func (p *Provider) Info() lab.ProviderInfo {
	return lab.ProviderInfo{
		Name:         lab.ProviderNetns,
		ParallelUp:   true,
		ForceHalt:    true,
		SharedClock:  true,
		NodeFirewall: true,
		// Nodes share this host's kernel and the agent's one copy: the
		// limit is the host's CPU, not a hypervisor's.
		Parallel: 32,
	}
}

// SSHEndpoints are the forwarded ports on 127.0.0.1, user root, with the
// lab's own key.
func (p *Provider) SSHEndpoints(ctx context.Context, l *lab.Lab, nodes []string) ([]lab.SSHEndpoint, error) {
	if err := checkOwner(l); err != nil {
		return nil, err
	}
	sel, err := nodesOf(l, nodes)
	if err != nil {
		return nil, fmt.Errorf("ssh endpoints: %w", err)
	}
	out := make([]lab.SSHEndpoint, 0, len(sel))
	for _, n := range sel {
		out = append(out, lab.SSHEndpoint{
			Node: n.Name, Host: "127.0.0.1", Port: n.SSHPort, User: "root", IdentityFile: l.Paths.SSHKey(),
		})
	}
	return out, nil
}

// nodesOf looks up nodes by machine name.
func nodesOf(l *lab.Lab, names []string) ([]lab.Node, error) {
	out := make([]lab.Node, 0, len(names))
	for _, name := range names {
		n, ok := l.Node(name)
		if !ok {
			return nil, fmt.Errorf("no node %q in lab %q", name, l.Spec.Name)
		}
		out = append(out, n)
	}
	return out, nil
}

// Reload halts then boots the nodes.
func (p *Provider) Reload(ctx context.Context, l *lab.Lab, nodes []string) error {
	if err := p.Halt(ctx, l, nodes, false); err != nil {
		return err
	}
	return p.Up(ctx, l, nodes, lab.UpOptions{})
}
