package provision

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/gossiplab/gossiplab/internal/parallel"
)

// Bundle is the agent to install: one binary per architecture.
type Bundle struct {
	Flavour Flavour
	// Version is what the binaries report; when empty, binaries are
	// compared by sha256 only.
	Version string
	// Binaries maps GOARCH (amd64, arm64) to a local file.
	Binaries map[string]string
	// Constraint, when set, must be met by the version the uploaded binary
	// reports on the node (e.g. ">= 0.8, < 0.11" for serf).
	Constraint string
}

// Options configure a Provisioner.
type Options struct {
	Bundle Bundle
	Agent  AgentSettings
	// Pool, when set, holds the SSH connections to use (and keeps them
	// open after Run, for what comes next); otherwise each node gets a
	// connection of its own, pinned in HostKeys and closed when it is
	// done.
	Pool     *Pool
	HostKeys *KnownHosts
	Dial     DialOptions
	// Root prefixes every install path (see Layout); "" on real nodes.
	Root string
	// Init, when set, overrides the detected init system (tests).
	Init InitSystem
	// Force replaces a newer or same-version agent.
	Force bool
	// Parallel is how many nodes are provisioned at once (default 10).
	Parallel int
	// NodeTimeout bounds one node, dial included (default 5 min).
	NodeTimeout time.Duration
	Logger      *slog.Logger
	// Progress, when set, is called as a node passes each step; it may be
	// called from several goroutines.
	Progress func(node string, step Step)
	// Place, when set, may put a local file at remote on node without
	// SFTP (a provider whose nodes share this host's filesystem links
	// one copy into each); it reports whether it did. It must check that
	// what it placed has the sha256 sum (hex), for the install does not
	// hash a placed file again.
	Place func(ctx context.Context, node, local, sum, remote string) (bool, error)

	afterUpload func(remotePath string) // test hook
	// sudo, when set, treats every login as non-root and prefixes
	// privileged commands with it instead of "sudo -n " (test hook: the
	// test sshd's host has no sudo).
	sudo string
}

// Step is a stage of provisioning one node.
type Step string

// Steps, in order.
const (
	StepStarted   Step = "started"
	StepConnected Step = "connected"
	StepFacts     Step = "facts"
	StepUploaded  Step = "uploaded"
	StepDone      Step = "done"
)

// Result is what happened on one node.
type Result struct {
	Node   string
	Action Action
	// Version is the agent version now on the node.
	Version  string
	Duration time.Duration
	// SSHOverhead is the time to connect and complete the SSH handshake.
	SSHOverhead time.Duration
	Facts       *Facts
	Err         error
}

// Provisioner installs, configures and starts the agent on nodes.
type Provisioner struct {
	opts    Options
	layout  Layout
	version *version.Version
	constr  version.Constraints
	sums    map[string]string           // arch -> sha256 of the local binary
	modules map[string]*version.Version // arch -> Go module version of the local binary, if any
}

// New checks the bundle (every binary readable, version and constraint
// parseable) and hashes its binaries once.
func New(opts Options) (*Provisioner, error) {
	if opts.HostKeys == nil && opts.Pool == nil {
		return nil, errors.New("provision: no known_hosts file")
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 10
	}
	if opts.NodeTimeout <= 0 {
		opts.NodeTimeout = 5 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Dial.Logger == nil {
		opts.Dial.Logger = opts.Logger
	}
	if opts.Bundle.Flavour == "" {
		opts.Bundle.Flavour = FlavourLabagent
	}
	if _, err := ParseFlavour(string(opts.Bundle.Flavour)); err != nil {
		return nil, err
	}
	p := &Provisioner{opts: opts, layout: Layout{Root: opts.Root, Name: string(opts.Bundle.Flavour)}, sums: map[string]string{}, modules: map[string]*version.Version{}}
	b := opts.Bundle
	if b.Version != "" {
		v, err := ParseVersion(b.Version)
		if err != nil {
			return nil, fmt.Errorf("bundled %s version: %w", b.Flavour, err)
		}
		p.version = v
	}
	if b.Constraint != "" {
		c, err := version.NewConstraint(b.Constraint)
		if err != nil {
			return nil, fmt.Errorf("%s version constraint %q: %w", b.Flavour, b.Constraint, err)
		}
		p.constr = c
	}
	if len(b.Binaries) == 0 {
		return nil, fmt.Errorf("no %s binary", b.Flavour)
	}
	for arch, path := range b.Binaries {
		sum, err := fileSHA256(path)
		if err != nil {
			return nil, fmt.Errorf("%s binary for linux/%s: %w", b.Flavour, arch, err)
		}
		p.sums[arch] = sum
		if p.constr != nil { // only a constraint asks for the module version
			p.modules[arch] = moduleVersion(path)
		}
	}
	return p, nil
}

// Layout is where the agent goes on every node.
func (p *Provisioner) Layout() Layout { return p.layout }

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func sha(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// Run provisions every target, opts.Parallel at a time, and returns one
// result per target in their order. A failing node does not stop the
// others; cancelling ctx fails the nodes not yet done.
func (p *Provisioner) Run(ctx context.Context, targets []Target) []Result {
	results := make([]Result, len(targets))
	errs := parallel.Each(ctx, len(targets), p.opts.Parallel, func(ctx context.Context, i int) error {
		results[i] = p.Node(ctx, targets[i])
		return nil
	})
	for i, err := range errs {
		if err != nil { // never started: ctx ended first
			results[i] = Result{Node: targets[i].Node(), Action: ActionFailed, Err: fmt.Errorf("node %q: %w", targets[i].Node(), context.Cause(ctx))}
		}
	}
	return results
}

// Node provisions one target within opts.NodeTimeout.
func (p *Provisioner) Node(ctx context.Context, t Target) Result {
	start := time.Now()
	ctx, cancel := context.WithTimeoutCause(ctx, p.opts.NodeTimeout, fmt.Errorf("node timeout %s reached", p.opts.NodeTimeout))
	defer cancel()
	r := Result{Node: t.Node()}
	p.progress(t.Node(), StepStarted)
	err := p.node(ctx, t, &r)
	r.Duration = time.Since(start)
	if err != nil {
		r.Action, r.Err = ActionFailed, err
	}
	p.progress(t.Node(), StepDone)
	p.opts.Logger.Debug("provisioned", "node", r.Node, "action", r.Action, "duration", r.Duration, "err", r.Err)
	return r
}

func (p *Provisioner) progress(node string, s Step) {
	if p.opts.Progress != nil {
		p.opts.Progress(node, s)
	}
}

// client connects to t's node: through the pool when there is one (the
// connection stays open for what comes next), else its own.
func (p *Provisioner) client(ctx context.Context, t Target) (*Client, func(), error) {
	if p.opts.Pool == nil {
		c, err := Dial(ctx, t.Endpoint, p.opts.HostKeys, p.opts.Dial)
		if err != nil {
			return nil, nil, err
		}
		return c, func() { c.Close() }, nil
	}
	p.opts.Pool.Add(t.Endpoint)
	c, err := p.opts.Pool.With(p.opts.Dial).Client(ctx, t.Node())
	return c, func() {}, err
}

// SetProgress sets the function called as nodes pass each step.
func (p *Provisioner) SetProgress(f func(node string, step Step)) { p.opts.Progress = f }
