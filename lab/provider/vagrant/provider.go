package vagrant

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// Options configure a Provider.
type Options struct {
	// Provider is the Vagrant provider to drive: "virtualbox" or "libvirt".
	Provider string
	// Runner runs vagrant; nil means execx.Exec{}. Tests pass a recorder.
	Runner execx.Runner
	// Logger receives what vagrant says while it works (debug level) and
	// warnings; nil discards.
	Logger *slog.Logger
	// Binary is the vagrant executable; empty means "vagrant" on PATH.
	Binary string
	// Parallel bounds the concurrent vagrant processes of Halt and Reload;
	// 0 means 4. Up takes its bound from lab.UpOptions.
	Parallel int
}

// Provider drives the vagrant CLI for one Vagrant provider. It implements
// lab.Provider; build one per provider name and register both:
//
//	vb, err := vagrant.New(vagrant.Options{Provider: "virtualbox", Runner: execx.Exec{}, Logger: logger})
//	lv, err := vagrant.New(vagrant.Options{Provider: "libvirt", Runner: execx.Exec{}, Logger: logger})
//	reg.Register(vb, true)
//	reg.Register(lv, false)
type Provider struct {
	name     string
	runner   execx.Runner
	logger   *slog.Logger
	binary   string
	parallel int

	// Host probes, replaced in tests.
	lookPath   func(string) (string, error)
	fileExists func(string) bool
	vboxHost   *vboxHost // nil: read from the host
	kvmHost    *kvmHost  // nil: probed on the host

	mu       sync.Mutex
	sshCache map[string]lab.SSHEndpoint // dir + "\x00" + node
}

var _ lab.Provider = (*Provider)(nil)

// New returns the provider for opts.Provider.
func New(opts Options) (*Provider, error) {
	switch opts.Provider {
	case lab.ProviderVirtualBox, lab.ProviderLibvirt:
	default:
		return nil, hint.Errorf(fmt.Sprintf("use %q or %q", lab.ProviderVirtualBox, lab.ProviderLibvirt), "vagrant provider %q is not supported", opts.Provider)
	}
	p := &Provider{
		name:       opts.Provider,
		runner:     opts.Runner,
		logger:     opts.Logger,
		binary:     opts.Binary,
		parallel:   opts.Parallel,
		lookPath:   exec.LookPath,
		fileExists: func(path string) bool { _, err := os.Stat(path); return err == nil },
		sshCache:   map[string]lab.SSHEndpoint{},
	}
	if p.runner == nil {
		p.runner = execx.Exec{}
	}
	if p.logger == nil {
		p.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if p.binary == "" {
		p.binary = "vagrant"
	}
	if p.parallel < 1 {
		p.parallel = 4
	}
	return p, nil
}

// Info names the provider and its capabilities.
func (p *Provider) Info() lab.ProviderInfo {
	return lab.ProviderInfo{
		Name:         p.name,
		ParallelUp:   true,
		ForceHalt:    true,
		SharedClock:  false, // each VM keeps its own clock
		NodeFirewall: true,  // a VM has its own kernel and nftables
	}
}

// env is added to vagrant's environment: status and ssh-config of a
// machine that does not exist yet report the provider the lab uses, not
// Vagrant's default.
func (p *Provider) env() []string { return []string{"VAGRANT_DEFAULT_PROVIDER=" + p.name} }

func (p *Provider) run(ctx context.Context, dir string, stream io.Writer, args ...string) ([]byte, error) {
	c := execx.Cmd{Args: args, Dir: dir, Stream: stream}
	if args[0] == p.binary {
		c.Env = p.env()
	}
	return p.runner.Run(ctx, c)
}

// vagrant runs `vagrant ARGS...` in the lab directory and, on failure,
// returns an *Error with Vagrant's message and a hint.
func (p *Provider) vagrant(ctx context.Context, l *lab.Lab, op string, nodes []string, stream io.Writer, args ...string) ([]byte, error) {
	out, err := p.run(ctx, l.Paths.Dir, stream, append([]string{p.binary}, args...)...)
	if err != nil {
		if ctx.Err() != nil {
			return out, fmt.Errorf("vagrant %s: %w", op, ctx.Err())
		}
		return out, newError(op, nodes, out, err, hintContext{provider: p.name, subnet: l.Spec.Subnet, dir: l.Paths.Dir})
	}
	return out, nil
}

func (p *Provider) needVagrantfile(l *lab.Lab) error {
	if _, err := os.Stat(l.Paths.Vagrantfile()); err != nil {
		return hint.Errorf(fmt.Sprintf("run lab init in %s", l.Paths.Dir), "no Vagrantfile at %s", l.Paths.Vagrantfile())
	}
	return nil
}

// Status runs `vagrant status --machine-readable` once and reports every
// node of the lab in lab order; Detail keeps Vagrant's state id.
func (p *Provider) Status(ctx context.Context, l *lab.Lab) ([]lab.NodeStatus, error) {
	machines, err := p.machines(ctx, l)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]MachineStatus, len(machines))
	for _, m := range machines {
		byName[m.Name] = m
	}
	out := make([]lab.NodeStatus, 0, len(l.Nodes))
	for _, name := range l.NodeNames() {
		m, ok := byName[name]
		if !ok {
			out = append(out, lab.NodeStatus{Node: name, State: lab.StateUnknown, Detail: "not in the Vagrantfile: run lab init --force"})
			continue
		}
		detail := m.State
		if m.Provider != "" && m.Provider != p.name && m.State != "not_created" {
			// Made with another provider: say so, lab up would fail on it.
			detail += " (under " + m.Provider + ", not " + p.name + ")"
		}
		out = append(out, lab.NodeStatus{Node: name, State: NodeState(m.State), Detail: detail})
	}
	return out, nil
}

func (p *Provider) machines(ctx context.Context, l *lab.Lab) ([]MachineStatus, error) {
	if err := p.needVagrantfile(l); err != nil {
		return nil, err
	}
	out, err := p.vagrant(ctx, l, "status", nil, nil, "status", "--machine-readable")
	if err != nil {
		return nil, err
	}
	ms := ParseStatus(ParseMachineReadable(out))
	if len(ms) == 0 {
		return nil, fmt.Errorf("vagrant status printed no machine states:\n%s", indent(string(out)))
	}
	return ms, nil
}

// SSHEndpoints runs `vagrant ssh-config NODE...` once for the nodes it has
// not seen since they last booted, and parses each node's block.
func (p *Provider) SSHEndpoints(ctx context.Context, l *lab.Lab, nodes []string) ([]lab.SSHEndpoint, error) {
	var missing []string
	p.mu.Lock()
	for _, n := range nodes {
		if _, ok := p.sshCache[cacheKey(l, n)]; !ok {
			missing = append(missing, n)
		}
	}
	p.mu.Unlock()
	if len(missing) > 0 {
		if err := p.needVagrantfile(l); err != nil {
			return nil, err
		}
		args := append([]string{"ssh-config", "--machine-readable"}, missing...)
		out, err := p.vagrant(ctx, l, "ssh-config", missing, nil, args...)
		if err != nil {
			return nil, err
		}
		cfgs, err := parseSSHConfigOutput(out)
		if err != nil {
			return nil, fmt.Errorf("parse vagrant ssh-config output: %w", err)
		}
		p.mu.Lock()
		for _, n := range missing {
			if c, ok := cfgs[n]; ok {
				e := c.Endpoint(n)
				if p.name == lab.ProviderLibvirt {
					e = libvirtEndpoint(l, e)
				}
				p.sshCache[cacheKey(l, n)] = e
			}
		}
		p.mu.Unlock()
	}
	out := make([]lab.SSHEndpoint, 0, len(nodes))
	var errs []error
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range nodes {
		e, ok := p.sshCache[cacheKey(l, n)]
		if !ok {
			errs = append(errs, fmt.Errorf("vagrant ssh-config gave no entry for node %q", n))
			continue
		}
		out = append(out, e)
	}
	return out, errors.Join(errs...)
}

func cacheKey(l *lab.Lab, node string) string { return l.Paths.Dir + "\x00" + node }

// forget drops cached SSH endpoints of nodes whose VM changes.
func (p *Provider) forget(l *lab.Lab, nodes []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range nodes {
		delete(p.sshCache, cacheKey(l, n))
	}
}

// Destroy removes every VM of the lab that exists: it asks `vagrant
// status` first, so a lab with nothing created succeeds without touching
// the hypervisor.
func (p *Provider) Destroy(ctx context.Context, l *lab.Lab) error {
	if _, err := os.Stat(l.Paths.Vagrantfile()); errors.Is(err, os.ErrNotExist) {
		return nil // nothing was ever made from this lab dir by Vagrant
	}
	machines, err := p.machines(ctx, l)
	if err != nil {
		return err
	}
	var created []string
	for _, m := range machines {
		if m.State != "not_created" {
			created = append(created, m.Name)
		}
	}
	p.forget(l, l.NodeNames())
	if len(created) == 0 {
		p.logger.Info("nothing to destroy", "provider", p.name)
		return nil
	}
	args := append([]string{"destroy", "-f", "--machine-readable"}, created...)
	_, err = p.vagrant(ctx, l, "destroy", created, p.logWriter("destroy"), args...)
	return err
}
