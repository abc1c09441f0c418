package hosts

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// Name is the provider's name in lab.hcl.
const Name = "hosts"

// Options tune the provider; zero fields take the defaults noted.
type Options struct {
	// ReachTimeout bounds one host's SSH connection for lab status, lab
	// plan and the reachability checks of halt (default 5s).
	ReachTimeout time.Duration
	// UpTimeout bounds lab up's wait for a host's SSH server (default 30s).
	UpTimeout time.Duration
	// PowerTimeout bounds the wait for a host to go down after a power
	// off, or to come back after a reboot (default 5m).
	PowerTimeout time.Duration
	// Parallel is how many hosts are worked on at once (default 32).
	Parallel int
	// Home is where ~/ points in key paths, and where the default keys
	// are looked for (default: the user's home directory).
	Home string
}

// Provider is the hosts provider. Make it with New.
type Provider struct {
	log  *slog.Logger
	opts Options
}

var (
	_ lab.Provider   = (*Provider)(nil)
	_ lab.NodeSource = (*Provider)(nil)
	_ lab.Planner    = (*Provider)(nil)
)

// New makes the provider.
func New(log *slog.Logger, opts Options) *Provider {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.ReachTimeout, 5*time.Second)
	def(&opts.UpTimeout, 30*time.Second)
	def(&opts.PowerTimeout, 5*time.Minute)
	if opts.Parallel < 1 {
		opts.Parallel = 32
	}
	if opts.Home == "" {
		opts.Home, _ = os.UserHomeDir()
	}
	return &Provider{log: log, opts: opts}
}

// Info names the provider and its capabilities: the hosts' clocks are
// their own, and Halt and Reload act on real machines.
func (p *Provider) Info() lab.ProviderInfo {
	return lab.ProviderInfo{
		Name:         Name,
		ParallelUp:   true,
		ForceHalt:    true,
		NodeFirewall: true,
		RealMachines: true,
	}
}

// Check passes: this host needs nothing but lab itself to reach the
// hosts over SSH.
func (p *Provider) Check(context.Context) error { return nil }

// SSHEndpoints are the hosts' addresses, ports, logins and keys, with the
// defaults filled in: port 22, user root, and the first of
// ~/.ssh/id_ed25519, id_ecdsa and id_rsa when the inventory names no key.
func (p *Provider) SSHEndpoints(_ context.Context, l *lab.Lab, nodes []string) ([]lab.SSHEndpoint, error) {
	byName := map[string]lab.Host{}
	for _, h := range l.Spec.Hosts {
		byName[h.Name] = h
	}
	out := make([]lab.SSHEndpoint, 0, len(nodes))
	for _, n := range nodes {
		h, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("ssh endpoints: no host %q in lab %q", n, l.Spec.Name)
		}
		ep, err := p.endpoint(l.Paths.Dir, h)
		if err != nil {
			return nil, err
		}
		out = append(out, ep)
	}
	return out, nil
}

// endpoint is how to reach h, the lab's directory being dir.
func (p *Provider) endpoint(dir string, h lab.Host) (lab.SSHEndpoint, error) {
	ep := lab.SSHEndpoint{Node: h.Name, Host: h.Address, Port: h.Port, User: h.User}
	if ep.Host == "" {
		ep.Host = h.Name
	}
	if ep.Port == 0 {
		ep.Port = 22
	}
	if ep.User == "" {
		ep.User = "root"
	}
	if h.IdentityFile != "" {
		ep.IdentityFile = p.keyPath(dir, h.IdentityFile)
		return ep, nil
	}
	for _, k := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
		path := filepath.Join(p.opts.Home, ".ssh", k)
		if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
			ep.IdentityFile = path
			return ep, nil
		}
	}
	return ep, hint.Errorf("set ansible_ssh_private_key_file for it in the inventory (identity_file in a host block), or make a key: ssh-keygen -t ed25519",
		"%s: host %s: no SSH key given, and none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa exists", h.Pos, lab.Quote(h.Name))
}

// keyPath makes a key path absolute: ~/ is the home directory, a relative
// path is the lab directory's.
func (p *Provider) keyPath(dir, path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		return filepath.Join(p.opts.Home, rest)
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// Reload reboots the hosts and waits until each answers again from a new
// boot.
func (p *Provider) Reload(ctx context.Context, l *lab.Lab, nodes []string) error {
	return p.power(ctx, l, nodes, powerReboot)
}

// Halt powers the hosts off (at once with force, without stopping their
// services) and waits until their SSH servers are gone.
func (p *Provider) Halt(ctx context.Context, l *lab.Lab, nodes []string, force bool) error {
	if force {
		return p.power(ctx, l, nodes, powerOffNow)
	}
	return p.power(ctx, l, nodes, powerOff)
}
