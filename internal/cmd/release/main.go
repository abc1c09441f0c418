package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/gossiplab/gossiplab/internal/hint"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		hint.Print(os.Stderr, "release", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.SetOutput(stderr)
	snapshot := fs.Bool("snapshot", false, "build the current tree as version NEXT-dev: no tag needed, uncommitted changes allowed")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./internal/cmd/release [--snapshot]")
		fmt.Fprintln(stderr, "\nBuilds lab, bench and labagent for linux and darwin (amd64, arm64) into dist/:")
		fmt.Fprintln(stderr, "one tar.gz per platform and SHA256SUMS. Without --snapshot, HEAD must carry")
		fmt.Fprintln(stderr, "the tag of the next version and the tree must be clean.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return hint.Errorf("go run ./internal/cmd/release --help", "unexpected argument %q", fs.Arg(0))
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	src, err := readSource(ctx, root)
	if err != nil {
		return err
	}
	b, err := newBuild(src, *snapshot)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "release: gossiplab %s, commit %s of %s\n", b.Version, b.describeCommit(), b.Date)
	dist := filepath.Join(root, "dist")
	artifacts, err := b.Run(ctx, root, dist, stderr)
	if err != nil {
		return err
	}
	for _, a := range artifacts {
		fmt.Fprintln(stdout, filepath.Join("dist", a))
	}
	return nil
}

// moduleRoot is the directory of gossiplab's go.mod, from `go env GOMOD`.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := goEnv(ctx, "GOMOD")
	if err != nil {
		return "", err
	}
	if out == "" || out == os.DevNull {
		return "", hint.Errorf("run it from the gossiplab repository", "not inside a Go module")
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return "", err
	}
	if !strings.Contains(string(data), "module "+modulePath+"\n") {
		return "", hint.Errorf("run it from the gossiplab repository", "%s is not gossiplab's", out)
	}
	return filepath.Dir(out), nil
}
