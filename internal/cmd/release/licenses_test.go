package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWriteLicenses: each module's license files from the module cache
// (its escaped path), Go's, and the README list; a module without any
// license file fails the release.
func TestWriteLicenses(t *testing.T) {
	cache, goroot := t.TempDir(), t.TempDir()
	put := func(path, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put(filepath.Join(cache, "github.com", "!vivid!cortex", "ewma@v1.2.0", "LICENSE"), "MIT")
	put(filepath.Join(cache, "github.com", "!vivid!cortex", "ewma@v1.2.0", "ewma.go"), "package ewma")
	put(filepath.Join(cache, "github.com", "agext", "levenshtein@v1.2.1", "LICENSE"), "Apache")
	put(filepath.Join(cache, "github.com", "agext", "levenshtein@v1.2.1", "NOTICE"), "notice")
	put(filepath.Join(cache, "example.org", "bare@v0.1.0", "bare.go"), "package bare")
	put(filepath.Join(goroot, "LICENSE"), "BSD")
	tc := toolchain{modcache: cache, goroot: goroot}

	out := filepath.Join(t.TempDir(), "licenses")
	mods := map[string]string{"github.com/agext/levenshtein": "v1.2.1", "github.com/VividCortex/ewma": "v1.2.0"}
	if err := writeLicenses(out, mods, tc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(out, p)
		got[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	readme := got["README"]
	delete(got, "README")
	want := map[string]string{
		"github.com/VividCortex/ewma/LICENSE":  "MIT",
		"github.com/agext/levenshtein/LICENSE": "Apache",
		"github.com/agext/levenshtein/NOTICE":  "notice",
		"go/LICENSE":                           "BSD",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("licenses (-want +got):\n%s", diff)
	}
	if !strings.HasSuffix(readme, "\n\ngithub.com/VividCortex/ewma v1.2.0\ngithub.com/agext/levenshtein v1.2.1\n") {
		t.Errorf("README does not end with the sorted module list:\n%s", readme)
	}

	mods["example.org/bare"] = "v0.1.0"
	err = writeLicenses(filepath.Join(t.TempDir(), "licenses"), mods, tc)
	if err == nil || !strings.Contains(err.Error(), "licenses of example.org/bare v0.1.0: no license file") {
		t.Errorf("a module without a license: %v, want an error naming it", err)
	}
}
