package main

//go:generate go run . -root ../../..

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
)

func main() {
	fs := flag.NewFlagSet("mangen", flag.ExitOnError)
	root := fs.String("root", ".", "the repository: pages go to ROOT/docs/man")
	_ = fs.Parse(os.Args[1:])
	pages, err := render(context.Background(), *root)
	if err == nil {
		err = write(filepath.Join(*root, "docs", "man"), pages)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mangen: %v\n", err)
		os.Exit(1)
	}
}

// write makes dir hold exactly pages: each written atomically when it
// changed, and other *.1 files (pages of commands that are gone) removed.
func write(dir string, pages map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.1"))
	if err != nil {
		return err
	}
	for _, p := range old {
		if _, ok := pages[filepath.Base(p)]; !ok {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	names := make([]string, 0, len(pages))
	for n := range pages {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		path := filepath.Join(dir, n)
		if cur, err := os.ReadFile(path); err == nil && string(cur) == string(pages[n]) {
			continue
		}
		if err := atomicfile.WriteFile(path, pages[n], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// stale lists what write would change in dir: pages that differ or are
// missing, and pages that should not be there.
func stale(dir string, pages map[string][]byte) ([]string, error) {
	var out []string
	for n, want := range pages {
		got, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil || string(got) != string(want) {
			out = append(out, n)
		}
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.1"))
	if err != nil {
		return nil, err
	}
	for _, p := range old {
		if _, ok := pages[filepath.Base(p)]; !ok {
			out = append(out, filepath.Base(p)+" (no such command)")
		}
	}
	slices.Sort(out)
	return out, nil
}

// describe lists names for a message.
func describe(names []string) string { return strings.Join(names, ", ") }
