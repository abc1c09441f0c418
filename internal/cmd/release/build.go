package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/internal/parallel"
)

// target is one platform of the release.
type target struct{ OS, Arch string }

func (t target) String() string { return t.OS + "/" + t.Arch }

// targets are the release's platforms. labagent runs as an agent on Linux
// only; its client commands work on macOS too. The Linux ones come first:
// every archive carries their labagent.
func targets() []target {
	return []target{{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "amd64"}, {"darwin", "arm64"}}
}

// commands are the binaries built for every target.
func commands() []string { return []string{"lab", "bench", "labagent"} }

// docs are the repository's files each archive carries, at its top.
func docs() []string { return []string{"LICENSE", "README.md", "CHANGELOG.md"} }

// dirName is the name of t's staging directory and archive (without
// .tar.gz).
func (b *build) dirName(t target) string {
	return fmt.Sprintf("gossiplab_%s_%s_%s", b.Version, t.OS, t.Arch)
}

// ldflags stamp the build into package internal/buildinfo.
func (b *build) ldflags() string {
	const pkg = modulePath + "/internal/buildinfo"
	f := []string{"-s", "-w", "-X", pkg + ".version=" + b.Version, "-X", pkg + ".commit=" + b.Commit, "-X", pkg + ".date=" + b.Date}
	if b.Modified {
		f = append(f, "-X", pkg+".modified=true")
	}
	return strings.Join(f, " ")
}

// Run builds every target into dist (emptied first), checks the
// binaries, and writes the archives, SHA256SUMS and, for a release,
// RELEASE_NOTES.md. It returns their names, relative to dist.
func (b *build) Run(ctx context.Context, root, dist string, log io.Writer) ([]string, error) {
	if err := os.RemoveAll(dist); err != nil {
		return nil, fmt.Errorf("empty %s: %w", dist, err)
	}
	for _, t := range targets() {
		start := time.Now()
		if err := b.compile(ctx, root, filepath.Join(dist, b.dirName(t)), t); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "release: built %s in %s\n", t, time.Since(start).Round(100*time.Millisecond))
	}
	tc, err := readToolchain(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range targets() {
		if err := b.assemble(root, dist, t, tc); err != nil {
			return nil, err
		}
		if err := b.check(ctx, filepath.Join(dist, b.dirName(t)), t); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	artifacts, err := b.archiveAll(ctx, dist)
	if err != nil {
		return nil, err
	}
	if err := writeSums(dist, artifacts); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "release: archived in %s\n", time.Since(start).Round(100*time.Millisecond))
	artifacts = append(artifacts, "SHA256SUMS")
	if b.notes != nil {
		if err := writeFile(filepath.Join(dist, "RELEASE_NOTES.md"), b.notes, 0o644); err != nil {
			return nil, err
		}
		artifacts = append(artifacts, "RELEASE_NOTES.md")
	}
	return artifacts, nil
}

// archiveAll writes each target's tar.gz, one per core at a time, and
// returns their names.
func (b *build) archiveAll(ctx context.Context, dist string) ([]string, error) {
	ts := targets()
	names := make([]string, len(ts))
	errs := parallel.Each(ctx, len(ts), runtime.NumCPU(), func(_ context.Context, i int) error {
		dir := b.dirName(ts[i])
		names[i] = dir + ".tar.gz"
		return writeArchive(filepath.Join(dist, names[i]), filepath.Join(dist, dir), dir, b.mtime)
	})
	return names, errors.Join(errs...)
}

// compile builds the commands for t into dir, in one go build so that
// they share its packages.
func (b *build) compile(ctx context.Context, root, dir string, t target) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	args := []string{"go", "build", "-trimpath", "-buildvcs=false", "-ldflags", b.ldflags(), "-o", dir + string(filepath.Separator)}
	for _, c := range commands() {
		args = append(args, "./cmd/"+c)
	}
	_, err := execx.Exec{}.Run(ctx, execx.Cmd{
		Args: args,
		Dir:  root,
		Env:  []string{"CGO_ENABLED=0", "GOOS=" + t.OS, "GOARCH=" + t.Arch},
	})
	if err != nil {
		return fmt.Errorf("build %s: %w", t, err)
	}
	return nil
}

// assemble adds to t's directory the Linux agents, the docs, the man
// pages and the licenses of what the binaries link.
func (b *build) assemble(root, dist string, t target, tc toolchain) error {
	dir := filepath.Join(dist, b.dirName(t))
	for _, arch := range []string{"amd64", "arm64"} {
		src := filepath.Join(dist, b.dirName(target{"linux", arch}), "labagent")
		if err := linkOrCopy(src, filepath.Join(dir, "labagent-linux-"+arch)); err != nil {
			return err
		}
	}
	for _, d := range docs() {
		if err := copyFile(filepath.Join(root, d), filepath.Join(dir, d)); err != nil {
			return err
		}
	}
	pages, err := filepath.Glob(filepath.Join(root, "docs", "man", "*.1"))
	if err != nil || len(pages) == 0 {
		return hint.Errorf("go generate ./internal/cmd/mangen", "no man pages in docs/man")
	}
	man := filepath.Join(dir, "man", "man1")
	if err := os.MkdirAll(man, 0o755); err != nil {
		return err
	}
	for _, p := range pages {
		if err := copyFile(p, filepath.Join(man, filepath.Base(p))); err != nil {
			return err
		}
	}
	return addLicenses(dir, tc)
}

// linkOrCopy hard-links src to dst (the archive then stores the second
// name as a link), or copies it where links do not work.
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	return copyFile(src, dst)
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	return writeFile(dst, data, st.Mode().Perm())
}

// goEnv is `go env NAME`.
func goEnv(ctx context.Context, name string) (string, error) {
	out, err := execx.Run(ctx, "go", "env", name)
	if err != nil {
		return "", hint.Wrap(err, "the release tool needs the go command on PATH")
	}
	return strings.TrimSpace(string(out)), nil
}

// readToolchain asks the go command for its module cache and GOROOT.
func readToolchain(ctx context.Context) (toolchain, error) {
	var tc toolchain
	var err error
	if tc.modcache, err = goEnv(ctx, "GOMODCACHE"); err != nil {
		return tc, err
	}
	tc.goroot, err = goEnv(ctx, "GOROOT")
	return tc, err
}

// host is the target this machine runs, if it is one.
func host() (target, bool) {
	h := target{runtime.GOOS, runtime.GOARCH}
	for _, t := range targets() {
		if t == h {
			return h, true
		}
	}
	return h, false
}
