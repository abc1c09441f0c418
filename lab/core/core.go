package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/provision"
)

// Providers finds a lab's provider by name; *lab.Registry has it.
type Providers interface {
	Get(name string) (lab.Provider, error)
}

// Detector finds the first provider that works on this host, for a lab
// whose lab file names none; *lab.Registry has it.
type Detector interface {
	Detect(ctx context.Context) (lab.Provider, error)
}

var (
	_ Providers = (*lab.Registry)(nil)
	_ Detector  = (*lab.Registry)(nil)
)

// Progress shows nodes passing the phases of a use case: the CLI draws a
// bar per phase, bench logs. Step may be called from many goroutines.
type Progress interface {
	Start(total int, phases []lab.Phase)
	Step(node string, phase lab.Phase)
	Finish()
}

// Options are what every use case is given.
type Options struct {
	Providers Providers
	Logger    *slog.Logger
	// Now is the clock (tests fix it); nil means time.Now.
	Now func() time.Time
	// Progress renders progress; nil shows none.
	Progress Progress
	// Lock, when set, takes the lab's lock for the session in its name
	// ("lab up"): another command that changes the lab meanwhile is
	// refused, naming it. Read-only commands leave it empty.
	Lock string
	// AgentDir is where lab looks for agent binaries when the session's
	// own executable cannot serve (default: the executable's directory).
	AgentDir string
	// Binary names the program for messages ("lab", "bench").
	Binary string
	// SelfAgent is this program's executable when it is also the agent
	// (the lab binary started as labagent): provisioning installs it on
	// nodes of this host's platform when no other agent binary is given.
	SelfAgent string
	// AllowPower lets Halt, Reload and chaos's halt, reload and up act on
	// a provider's real machines (lab.ProviderInfo.RealMachines): the user
	// said so (lab's --allow-power).
	AllowPower bool
}

// Lab is a lab opened for one command: its resolved description, its
// provider, its state (read once, written at most once per phase), the
// provider's view of its nodes (asked once, then kept up to date by the
// session's own actions) and one SSH connection per node, shared by
// every use case of the session. Close it when done.
type Lab struct {
	*lab.Lab
	Provider lab.Provider

	opts  Options
	log   *slog.Logger
	lock  *lab.Lock
	state *stateFile

	status []lab.NodeStatus // nil: not asked yet
	pool   *provision.Pool

	timings             Timings
	statusCalls, writes int
}

// ErrNoLab is wrapped by Open when the directory has no lab.hcl.
var ErrNoLab = lab.ErrNoLab

// Open opens the lab that dir's lab.hcl describes, for a command that
// acts on a lab that exists.
func Open(ctx context.Context, dir string, opts Options) (*Lab, error) {
	l, err := lab.Open(ctx, dir, opts.Providers)
	if err != nil {
		return nil, err
	}
	return open(ctx, l, opts)
}

// Create opens the lab spec describes in dir, for lab up: when dir has no
// lab.hcl yet, writeFile makes one from spec once the lock is held, and
// with detect the provider is the first that works on this host.
func Create(ctx context.Context, dir string, spec lab.Spec, writeFile, detect bool, opts Options) (*Lab, error) {
	if d, ok := opts.Providers.(Detector); detect && ok {
		p, err := d.Detect(ctx)
		if err != nil {
			return nil, err
		}
		spec.Provider = p.Info().Name
	}
	c, err := open(ctx, lab.New(dir, spec), opts)
	if err != nil {
		return nil, err
	}
	if writeFile {
		if err := c.writeLabFile(); err != nil {
			return nil, errors.Join(err, c.Close())
		}
	}
	return c, nil
}

func open(_ context.Context, l *lab.Lab, opts Options) (*Lab, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Lab{Lab: l, Provider: providerOf(l, opts), opts: opts, log: opts.Logger}
	var err error
	// A lab whose provider this binary lacks cannot be changed: no lock,
	// no state written (every use of the provider says why).
	if opts.Lock != "" && c.ProviderErr() == nil {
		if c.lock, err = lab.AcquireLock(l.Paths, opts.Lock); err != nil {
			return nil, err
		}
	}
	c.state = loadStateFile(l)
	c.pool = provision.NewPool(provision.NewKnownHosts(l.Paths.KnownHosts()),
		provision.DialOptions{Timeout: 30 * time.Second, Logger: opts.Logger}, c.resolve)
	return c, nil
}

// providerOf is the provider l's lab file names, or, when this binary
// lacks it, a stand-in that says so at the first use: what a command can
// check without it (node names, flags) is checked first.
func providerOf(l *lab.Lab, opts Options) lab.Provider {
	p, err := opts.Providers.Get(l.Spec.Provider)
	if err == nil {
		return p
	}
	bin := opts.Binary
	if bin == "" {
		bin = "lab"
	}
	return missingProvider{name: l.Spec.Provider,
		err: fmt.Errorf("lab %s uses provider %q, which this %s binary lacks: %w", l.Spec.Name, l.Spec.Provider, bin, err)}
}

// ProviderErr says why this binary cannot act on the lab's provider (it
// lacks it); nil when it can.
func (c *Lab) ProviderErr() error {
	if m, ok := c.Provider.(missingProvider); ok {
		return m.err
	}
	return nil
}

// missingProvider stands in for a provider this binary lacks.
type missingProvider struct {
	name string
	err  error
}

var _ lab.Provider = missingProvider{}

func (m missingProvider) Info() lab.ProviderInfo                  { return lab.ProviderInfo{Name: m.name} }
func (m missingProvider) Check(context.Context) error             { return m.err }
func (m missingProvider) Destroy(context.Context, *lab.Lab) error { return m.err }
func (m missingProvider) Up(context.Context, *lab.Lab, []string, lab.UpOptions) error {
	return m.err
}
func (m missingProvider) Halt(context.Context, *lab.Lab, []string, bool) error { return m.err }
func (m missingProvider) Reload(context.Context, *lab.Lab, []string) error     { return m.err }
func (m missingProvider) Status(context.Context, *lab.Lab) ([]lab.NodeStatus, error) {
	return nil, m.err
}
func (m missingProvider) SSHEndpoints(context.Context, *lab.Lab, []string) ([]lab.SSHEndpoint, error) {
	return nil, m.err
}

// Close saves what the session changed in the lab's state, closes its
// SSH connections and releases the lock. It is safe to call twice.
func (c *Lab) Close() error {
	if c == nil {
		return nil
	}
	err := c.saveState()
	if c.pool != nil {
		err = errors.Join(err, c.pool.Close())
	}
	c.lock.Release()
	c.lock = nil
	return err
}

func (c *Lab) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

// resolve asks the provider how to reach nodes, for the SSH pool.
func (c *Lab) resolve(ctx context.Context, nodes []string) ([]provision.Endpoint, error) {
	eps, err := c.Provider.SSHEndpoints(ctx, c.Lab, nodes)
	if err != nil {
		return nil, err
	}
	return toEndpoints(eps), nil
}

func toEndpoints(eps []lab.SSHEndpoint) []provision.Endpoint {
	out := make([]provision.Endpoint, len(eps))
	for i, ep := range eps {
		out[i] = provision.Endpoint{Node: ep.Node, Host: ep.Host, Port: ep.Port, User: ep.User, IdentityFile: ep.IdentityFile}
	}
	return out
}

// Timings say where the session's time went, and its counts of round
// trips (lab up --timings).
func (c *Lab) Timings() (*Timings, Counts) {
	return &c.timings, Counts{StateReads: 1, StateWrites: c.writes, StatusCalls: c.statusCalls, SSHDials: c.pool.Dials()}
}

// timed records the wall time of a phase: defer c.timed("boot")().
func (c *Lab) timed(phase string) func() {
	start := time.Now()
	return func() { c.timings.phase(phase, time.Since(start)) }
}

// Status is the provider's view of every node: asked once per session,
// then updated by the session's own actions.
func (c *Lab) Status(ctx context.Context) ([]lab.NodeStatus, error) {
	if c.status != nil {
		return c.status, nil
	}
	return c.refreshStatus(ctx)
}

// refreshStatus asks the provider again (after an action, or an error
// that leaves the nodes' states unknown) and records the answer in the
// state. It runs even when ctx was cancelled (after Ctrl-C), so that the
// record stays true.
func (c *Lab) refreshStatus(ctx context.Context) ([]lab.NodeStatus, error) {
	c.statusCalls++
	st, err := c.Provider.Status(context.WithoutCancel(ctx), c.Lab)
	if err != nil {
		c.status = nil
		return nil, err
	}
	c.status = st
	c.state.recordStatus(st)
	return st, nil
}

// setStatus records that nodes are now in state, as an action that
// succeeded leaves them, without asking the provider.
func (c *Lab) setStatus(nodes []string, state lab.NodeState) {
	picked := map[string]bool{}
	for _, n := range nodes {
		picked[n] = true
	}
	for i := range c.status {
		if picked[c.status[i].Node] {
			c.status[i].State, c.status[i].Detail = state, string(state)
		}
	}
	c.state.recordStatus(c.status)
}

// stateOf returns each node's state by name.
func stateOf(st []lab.NodeStatus) map[string]lab.NodeState {
	m := make(map[string]lab.NodeState, len(st))
	for _, s := range st {
		m[s.Node] = s.State
	}
	return m
}

// Running lists the running nodes, in lab order.
func (c *Lab) Running(ctx context.Context) ([]string, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range st {
		if s.State == lab.StateRunning {
			out = append(out, s.Node)
		}
	}
	return out, nil
}

// RequireRunning refuses a lab some of whose nodes are not running.
func (c *Lab) RequireRunning(ctx context.Context) error {
	st, err := c.Status(ctx)
	if err != nil {
		return fmt.Errorf("read the nodes' status of lab %s: %w", c.Spec.Name, err)
	}
	var down []string
	for _, s := range st {
		if s.State != lab.StateRunning {
			down = append(down, s.Node)
		}
	}
	if len(down) > 0 {
		return hint.Errorf(fmt.Sprintf("boot them first (lab up, or lab chaos up %s)", joinComma(down)),
			"lab %s: %s not running", c.Spec.Name, lab.Summarize(down))
	}
	return nil
}

// IsDown reports whether a node in state st has no SSH server to reach.
func IsDown(st lab.NodeState) bool { return st == lab.StateHalted || st == lab.StateNotCreated }

// DownError says that node is not running and how to boot it.
func DownError(node string, st lab.NodeState) error {
	return hint.Errorf(fmt.Sprintf("lab up (or lab reload %s) boots it", node), "node %q is %s", node, st)
}

// Interrupted explains a command stopped by Ctrl-C or SIGTERM, and how
// to go on.
func Interrupted(what, resume string) error {
	return hint.Errorf(resume, "%s interrupted", what)
}

func joinComma(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ","
		}
		out += n
	}
	return out
}
