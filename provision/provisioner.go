package provision

import (
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/gossiplab/gossiplab/internal/execx"
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
		return nil, fmt.Errorf("no %s binary\nhint: put labagent-linux-amd64 (and -arm64) next to lab, or pass --agent-binary PATH", b.Flavour)
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

// commitTimeout bounds the check-install-start session, which does not
// stop for ctx once it renames files.
const commitTimeout = 2 * time.Minute

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

func (p *Provisioner) node(ctx context.Context, t Target, r *Result) error {
	c, release, err := p.client(ctx, t)
	if err != nil {
		return err
	}
	defer release()
	r.SSHOverhead = c.Overhead
	p.progress(t.Node(), StepConnected)

	l := p.layout
	root := t.Endpoint.User == "root" && p.opts.sudo == ""
	sudo := ""
	switch {
	case p.opts.sudo != "":
		sudo = p.opts.sudo
	case !root:
		sudo = "sudo -n "
	}
	// The binary's hash matters only when versions cannot decide.
	f, err := GatherFacts(ctx, c, l, t.IP, p.version == nil || p.opts.Force, sudo)
	if err != nil {
		return err
	}
	if p.opts.Init != "" {
		f.setInit(p.opts.Init)
	}
	r.Facts = f
	p.progress(t.Node(), StepFacts)
	if f.OS != "linux" {
		return fmt.Errorf("node %q runs %s; the agent is built for linux", t.Node(), f.OS)
	}
	localBin, ok := p.opts.Bundle.Binaries[f.Arch]
	if !ok {
		return fmt.Errorf("node %q is linux/%s (uname -m: %s) but there is no %s binary for it (have: %s)\nhint: build one with `CGO_ENABLED=0 GOOS=linux GOARCH=%s go build -o labagent-linux-%s ./cmd/labagent` and put it next to lab, or pass --agent-binary",
			t.Node(), f.Arch, f.Machine, p.opts.Bundle.Flavour, strings.Join(slices.Sorted(maps.Keys(p.opts.Bundle.Binaries)), ", "), f.Arch, f.Arch)
	}

	flavour := p.opts.Bundle.Flavour
	config, err := flavour.Config(l, t, p.opts.Agent, f.Iface)
	if err != nil {
		return err
	}
	service, err := RenderService(l, f.Init, flavour.Args(l, t, p.opts.Agent, f.Iface))
	if err != nil {
		return err
	}
	rcLine, otherRCLine, err := rcEntries(l)
	if err != nil {
		return err
	}
	d := desired{version: p.version, binarySum: p.sums[f.Arch], serviceSum: sha(service), rcLocal: f.Init == InitNone}
	if config != nil {
		d.configSum = sha(config)
	}
	pl := decide(f, d, p.opts.Force)
	r.Action = pl.action
	r.Version = f.InstalledText
	if f.Installed != nil {
		r.Version = f.Installed.String()
	}
	if !pl.touches() {
		return nil
	}

	var files []*file
	var bin *file
	if pl.binary {
		bin = newFile("binary", l.Binary(), 0o755, d.binarySum, root)
		bin.local = localBin
		files = append(files, bin)
	}
	if pl.config {
		cf := newFile("config", l.Config(), 0o600, d.configSum, root)
		cf.data = config
		files = append(files, cf)
	}
	if pl.service {
		mode := os.FileMode(0o755)
		if f.Init == InitSystemd {
			mode = 0o644
		}
		sf := newFile("service file", l.ServiceFile(f.Init), mode, d.serviceSum, root)
		sf.data = service
		files = append(files, sf)
	}
	committed := false
	defer func() {
		if !committed && len(files) > 0 {
			// Best effort, on a fresh context: ctx may be what failed.
			cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer ccancel()
			_, _ = c.Run(cctx, cleanupScript(files, sudo), nil)
		}
	}()
	if len(files) > 0 {
		if err := upload(c, files, root, p.opts.afterUpload); err != nil {
			return fmt.Errorf("node %q: %w%s\nhint: the target directories must be writable by the login user (or by sudo); nothing was changed", t.Node(), err, diagnoseDirs(ctx, c, files, sudo))
		}
		p.progress(t.Node(), StepUploaded)
	}
	// One session: check the uploads, let Go judge the new binary's
	// version, then rename, register and (re)start.
	script := verifyScript(files, sudo, bin) + awaitVerdict + commitScript(l, f, pl, files, sudo, rcLine, otherRCLine)
	// Once renaming starts it runs to the end even if ctx ends (Ctrl-C),
	// so that a node never keeps a new binary beside an old process; ctx
	// still stops it before the verdict.
	var verdict error
	cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer ccancel()
	_, err = c.Converse(cctx, "sh -c "+shellQuote(script), "@await", func(before []byte) string {
		if ctx.Err() != nil {
			verdict = fmt.Errorf("node %q: %w (nothing changed)", t.Node(), context.Cause(ctx))
			return "abort"
		}
		if bin != nil {
			v, err := p.checkVersion(t.Node(), f.Arch, strings.Join(sections(before)["version"], "\n"))
			if err != nil {
				verdict = err
				return "abort"
			}
			r.Version = v.String()
		}
		return "go"
	})
	if verdict != nil {
		return verdict
	}
	var re *RunError
	if errors.As(err, &re) && re.Exit > 0 {
		// The script's own message says what failed; the shell text would not.
		return fmt.Errorf("node %q: install and start: %s (exit status %d)", t.Node(), strings.TrimSpace(string(re.Stderr)), re.Exit)
	}
	if err != nil {
		return fmt.Errorf("install and start: %w", err)
	}
	committed = true
	return nil
}

// checkVersion checks what the uploaded binary for arch reported on the
// node.
func (p *Provisioner) checkVersion(node, arch, text string) (*version.Version, error) {
	v, err := ParseVersion(text)
	if err != nil {
		return nil, fmt.Errorf("node %q: the uploaded %s binary does not report a version: %w", node, p.opts.Bundle.Flavour, err)
	}
	if p.version != nil && !v.Equal(p.version) {
		return nil, fmt.Errorf("node %q: the uploaded %s binary reports version %s, the bundle says %s\nhint: rebuild the agent binaries from this source tree", node, p.opts.Bundle.Flavour, v, p.version)
	}
	if p.constr == nil {
		return v, nil
	}
	judged, why := releaseVersion(v, p.modules[arch])
	if !p.constr.Check(judged) {
		return nil, fmt.Errorf("node %q: %s %s%s does not meet the version constraint %q\nhint: supply a binary that does with --agent-binary, or change the constraint with --%s-version",
			node, p.opts.Bundle.Flavour, judged, why, p.opts.Bundle.Constraint, p.opts.Bundle.Flavour)
	}
	return v, nil
}

// releaseVersion is the version a constraint judges: the Go module
// version the binary was built from when its build info has one (Serf's
// source says 0.8.2-dev up to v0.10.2: only release builds stamp the
// version, so `go install github.com/hashicorp/serf/cmd/serf@v0.10.2`
// reports 0.8.2-dev), else the reported version without its prerelease
// (go-version never lets 0.8.2-dev meet ">= 0.8"). why says which, for
// messages.
func releaseVersion(reported, module *version.Version) (v *version.Version, why string) {
	if module != nil {
		if module.Equal(reported) {
			return module, ""
		}
		return module.Core(), fmt.Sprintf(" (built from module version %s; it reports %s)", module, reported)
	}
	if reported.Prerelease() != "" {
		return reported.Core(), fmt.Sprintf(" (reported as %s)", reported)
	}
	return reported, ""
}

// moduleVersion is the module version in the Go build info of the binary
// at path (a pseudo-version counts as its release part), nil when the
// binary is not Go or was built from a checkout ("(devel)").
func moduleVersion(path string) *version.Version {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil
	}
	v, err := version.NewVersion(info.Main.Version)
	if err != nil {
		return nil
	}
	return v
}

// LocalVersion runs `binary version` on this host and parses what it
// prints: how lab learns the bundled agent's version when the binary can
// run here (a linux host of its architecture). Elsewhere it fails, and
// the bundle's binaries are compared by sha256 only.
func LocalVersion(ctx context.Context, binary string) (string, error) {
	out, err := execx.Run(ctx, binary, "version")
	if err != nil {
		return "", fmt.Errorf("ask %s its version: %w", binary, err)
	}
	v, err := ParseVersion(string(out))
	if err != nil {
		return "", fmt.Errorf("%s version: %w", binary, err)
	}
	return v.String(), nil
}

// SetProgress sets the function called as nodes pass each step.
func (p *Provisioner) SetProgress(f func(node string, step Step)) { p.opts.Progress = f }
