package provision

// This file provisions one node: facts, plan, upload, and the session
// that checks, installs and starts.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// commitTimeout bounds the check-install-start session, which does not
// stop for ctx once it renames files.
const commitTimeout = 2 * time.Minute

// node provisions t, filling in r as it goes (Node marks r failed when
// it returns an error).
func (p *Provisioner) node(ctx context.Context, t Target, r *Result) error {
	c, release, err := p.client(ctx, t)
	if err != nil {
		return err
	}
	defer release()
	r.SSHOverhead = c.Overhead
	p.progress(t.Node(), StepConnected)

	j := &job{t: t, root: t.Endpoint.User == "root" && p.opts.sudo == ""}
	switch {
	case p.opts.sudo != "":
		j.sudo = p.opts.sudo
	case !j.root:
		j.sudo = "sudo -n "
	}
	// The binary's hash matters only when versions cannot decide.
	f, err := GatherFacts(ctx, c, p.layout, t.IP, p.version == nil || p.opts.Force, j.sudo)
	if err != nil {
		return err
	}
	if p.opts.Init != "" {
		f.setInit(p.opts.Init)
	}
	j.f, r.Facts = f, f
	p.progress(t.Node(), StepFacts)
	if err := p.prepare(j); err != nil {
		return err
	}
	r.Action = j.plan.action
	r.Version = f.InstalledText
	if f.Installed != nil {
		r.Version = f.Installed.String()
	}
	if !j.plan.touches() {
		return nil
	}
	return p.install(ctx, c, j, r)
}

// job is what provisioning one node found and decided.
type job struct {
	t    Target
	f    *Facts
	root bool   // the login is root (no sudo, uploads straight to their directories)
	sudo string // the prefix of privileged commands: "", "sudo -n " or the test's

	localBin            string // the bundle's binary for the node's architecture
	rcLine, otherRCLine string // the rc.local lines of this flavour and of the other
	plan                plan
	files               []*file // to upload, in order
	bin                 *file   // the binary among files, or nil
}

// prepare renders what the node should run and decides what to change:
// j's plan, and the files to upload.
func (p *Provisioner) prepare(j *job) error {
	t, f, l := j.t, j.f, p.layout
	if f.OS != "linux" {
		return fmt.Errorf("node %q runs %s; the agent is built for linux", t.Node(), f.OS)
	}
	var ok bool
	if j.localBin, ok = p.opts.Bundle.Binaries[f.Arch]; !ok {
		return &ArchError{Node: t.Node(), Arch: f.Arch, Machine: f.Machine, Flavour: p.opts.Bundle.Flavour,
			Have: slices.Sorted(maps.Keys(p.opts.Bundle.Binaries))}
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
	if j.rcLine, j.otherRCLine, err = rcEntries(l); err != nil {
		return err
	}
	d := desired{version: p.version, binarySum: p.sums[f.Arch], serviceSum: sha(service), rcLocal: f.Init == InitNone}
	if config != nil {
		d.configSum = sha(config)
	}
	j.plan = decide(f, d, p.opts.Force)
	j.files, j.bin = p.files(j, d, config, service)
	return nil
}

// files are the files plan says to upload; bin is the binary among them.
func (p *Provisioner) files(j *job, d desired, config, service []byte) (files []*file, bin *file) {
	l := p.layout
	if j.plan.binary {
		bin = newFile("binary", l.Binary(), 0o755, d.binarySum, j.root)
		bin.local = j.localBin
		files = append(files, bin)
	}
	if j.plan.config {
		cf := newFile("config", l.Config(), 0o600, d.configSum, j.root)
		cf.data = config
		files = append(files, cf)
	}
	if j.plan.service {
		mode := os.FileMode(0o755)
		if j.f.Init == InitSystemd {
			mode = 0o644
		}
		sf := newFile("service file", l.ServiceFile(j.f.Init), mode, d.serviceSum, j.root)
		sf.data = service
		files = append(files, sf)
	}
	return files, bin
}

// install uploads j's files and commits them; whatever is left of them
// is removed when it fails.
func (p *Provisioner) install(ctx context.Context, c *Client, j *job, r *Result) error {
	committed := false
	defer func() {
		if !committed && len(j.files) > 0 {
			// Best effort, on a fresh context: ctx may be what failed.
			cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer ccancel()
			_, _ = c.Run(cctx, cleanupScript(j.files, j.sudo), nil)
		}
	}()
	toSend, err := p.place(ctx, j)
	if err != nil {
		return err
	}
	if len(toSend) > 0 {
		if err := upload(ctx, c, toSend, j.root, p.opts.afterUpload); err != nil {
			if ctx.Err() != nil { // interrupted: the directories are not to blame
				return fmt.Errorf("node %q: %w (nothing changed)", j.t.Node(), err)
			}
			return hint.Errorf("the target directories must be writable by the login user (or by sudo); nothing was changed",
				"node %q: %w%s", j.t.Node(), err, diagnoseDirs(ctx, c, j.files, j.sudo))
		}
	}
	if len(j.files) > 0 {
		p.progress(j.t.Node(), StepUploaded)
	}
	if err := p.commit(ctx, c, j, r); err != nil {
		return err
	}
	committed = true
	return nil
}

// place hands the files that are local files to Options.Place, which may
// put them on the node without SFTP, and returns those left to upload.
func (p *Provisioner) place(ctx context.Context, j *job) ([]*file, error) {
	if p.opts.Place == nil {
		return j.files, nil
	}
	var rest []*file
	for _, f := range j.files {
		if f.local == "" {
			rest = append(rest, f)
			continue
		}
		placed, err := p.opts.Place(ctx, j.t.Node(), f.local, f.sum, f.staged)
		if err != nil {
			return nil, fmt.Errorf("node %q: place %s: %w", j.t.Node(), f.what, err)
		}
		f.placed = placed
		if !placed {
			rest = append(rest, f)
		}
	}
	return rest, nil
}

// commit runs one session: it checks the uploads, lets Go judge the new
// binary's version, then renames, registers and (re)starts.
func (p *Provisioner) commit(ctx context.Context, c *Client, j *job, r *Result) error {
	script := verifyScript(j.files, j.sudo, j.bin) + awaitVerdict + commitScript(p.layout, j.f, j.plan, j.files, j.sudo, j.rcLine, j.otherRCLine)
	// Once renaming starts it runs to the end even if ctx ends (Ctrl-C),
	// so that a node never keeps a new binary beside an old process; ctx
	// still stops it before the verdict.
	var verdict error
	cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer ccancel()
	_, err := c.Converse(cctx, "sh -c "+shellQuote(script), "@await", func(before []byte) string {
		if ctx.Err() != nil {
			verdict = fmt.Errorf("node %q: %w (nothing changed)", j.t.Node(), context.Cause(ctx))
			return "abort"
		}
		if j.bin != nil {
			v, err := p.checkVersion(j.t.Node(), j.f.Arch, strings.Join(sections(before)["version"], "\n"))
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
		return fmt.Errorf("node %q: install and start: %s (exit status %d)", j.t.Node(), strings.TrimSpace(string(re.Stderr)), re.Exit)
	}
	if err != nil {
		return fmt.Errorf("install and start: %w", err)
	}
	return nil
}
