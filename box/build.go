package box

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Result is what Build made.
type Result struct {
	Boxes []Box
	// Kernel is the kernel release the boxes boot (6.1.0-57-cloud-amd64).
	Kernel string
	// Installed lists every package in the boxes, as dpkg knows them.
	Installed []Package
	// SourceDateEpoch is the time recorded in the boxes' files.
	SourceDateEpoch int64
	// VirtualSize is the disk's size in bytes, as the machine sees it.
	VirtualSize int64
	// Phases are the phases that ran, with their durations.
	Phases []Step
}

// Box is one box file Build wrote.
type Box struct {
	Provider Provider
	Path     string
	Size     int64
	SHA256   string
}

// Requested returns the packages of the fixed list (Packages) with the
// versions the build resolved.
func (r *Result) Requested() []Package {
	var out []Package
	for _, name := range Packages() {
		for _, p := range r.Installed {
			if p.Name == name {
				out = append(out, p)
			}
		}
	}
	return out
}

// Build builds the box once and writes it for every output. See the
// package documentation for what a box holds and what Build needs.
func Build(ctx context.Context, opts Options) (*Result, error) {
	o, err := opts.withDefaults(time.Now())
	if err != nil {
		return nil, fmt.Errorf("build box: %w", err)
	}
	if err := checkOutputs(o); err != nil {
		return nil, fmt.Errorf("build box: %w", err)
	}
	if err := checkHost(os.Geteuid(), hostLookPath); err != nil {
		return nil, fmt.Errorf("build box: %w", err)
	}
	srcs, err := sources(o.AptRoot, o.Mirror)
	if err != nil {
		return nil, fmt.Errorf("build box: %w", err)
	}
	work, err := os.MkdirTemp(o.WorkDir, "gossiplab-box-")
	if err != nil {
		return nil, fmt.Errorf("build box: %w", err)
	}
	b := newBuilder(o, work, srcs)
	err = b.build(ctx)
	if rmErr := os.RemoveAll(work); rmErr != nil {
		err = errors.Join(err, fmt.Errorf("remove the temporary directory: %w", rmErr))
	}
	if err != nil {
		return nil, fmt.Errorf("build box: %w", err)
	}
	return &b.res, nil
}

func (b *builder) build(ctx context.Context) error {
	if err := b.buildRootfs(ctx); err != nil {
		return err
	}
	if err := b.phase(ctx, PhaseDisk, "", b.makeDisk); err != nil {
		return err
	}
	if err := b.phase(ctx, PhaseBootloader, "", b.installBootloader); err != nil {
		return err
	}
	for _, out := range b.o.Outputs {
		f := formatOf(out.Provider)
		if err := b.phase(ctx, PhaseConvert, out.Provider, func(ctx context.Context) error { return f.convert(ctx, b) }); err != nil {
			return err
		}
		if err := b.phase(ctx, PhasePackage, out.Provider, func(ctx context.Context) error { return b.writeBox(ctx, out, f) }); err != nil {
			return err
		}
	}
	return nil
}

// phase runs f as phase p, reporting its start and end. A cancelled
// context is the error, rather than what it did to the tool running.
func (b *builder) phase(ctx context.Context, p Phase, prov Provider, f func(context.Context) error) error {
	b.begin(p, prov)
	err := f(ctx)
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return b.end(err)
}

// begin reports that phase p started.
func (b *builder) begin(p Phase, prov Provider) {
	b.cur = Step{Phase: p, Provider: prov}
	b.curStart = time.Now()
	b.o.Progress.Report(b.cur)
}

// end reports that the current phase ended with err, which it returns
// with the phase's name.
func (b *builder) end(err error) error {
	s := b.cur
	s.Done, s.Took = true, time.Since(b.curStart)
	if err != nil {
		err = fmt.Errorf("%s: %w", s.Phase, err)
		s.Err = err
	}
	b.res.Phases = append(b.res.Phases, s)
	b.o.Progress.Report(s)
	return err
}

// checkOutputs refuses outputs that exist (without Force) or whose
// directory does not.
func checkOutputs(o Options) error {
	for _, out := range o.Outputs {
		if fi, err := os.Stat(out.Path); err == nil {
			if !o.Force || !fi.Mode().IsRegular() {
				return fmt.Errorf("%s: %w", out.Path, fs.ErrExist)
			}
		}
		if fi, err := os.Stat(filepath.Dir(out.Path)); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s: no directory %s", out.Path, filepath.Dir(out.Path))
		}
	}
	return nil
}
