package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/buildinfo"
)

func TestReleaseVersion(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tags    []string
		want    string
		wantErr string
	}{
		{name: "the next version", tags: []string{"v0.1.0"}, want: "v0.1.0"},
		{name: "a pre-release of it", tags: []string{"v0.1.0-rc.1"}, want: "v0.1.0-rc.1"},
		{name: "other tags ignored", tags: []string{"vacation", "v0.1", "v0.1.0"}, want: "v0.1.0"},
		{name: "no tag", wantErr: "HEAD carries no version tag (want v0.1.0)"},
		{name: "not the next version", tags: []string{"v0.2.0"}, wantErr: "tag v0.2.0 is not the next version, 0.1.0"},
		{name: "two tags", tags: []string{"v0.1.0-rc.2", "v0.1.0"}, wantErr: "several version tags: v0.1.0-rc.2, v0.1.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := releaseVersion(tc.tags, "0.1.0")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("releaseVersion = %q, %v; want error %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("releaseVersion = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestNewBuild(t *testing.T) {
	next := buildinfo.Next
	changelog := []byte("# Changelog\n\n## [Unreleased]\n\n## [" + next + "] - 2026-12-03\n\n### Added\n\n- everything\n\n[Unreleased]: https://example.org/compare\n")
	date := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	src := func(tags []string, modified bool, changelog []byte) source {
		return source{Commit: "0b5150056c54dd75353bec3217a1974d4876f54c", Date: date, Modified: modified, Tags: tags, Changelog: changelog}
	}
	for _, tc := range []struct {
		name     string
		src      source
		snapshot bool
		want     *build
		wantErr  string
	}{
		{
			name: "release", src: src([]string{"v" + next}, false, changelog),
			want: &build{Version: next, Commit: "0b5150056c54dd75353bec3217a1974d4876f54c", Date: "2026-12-03T12:00:00Z", mtime: date, notes: []byte("### Added\n\n- everything\n")},
		},
		{
			name: "pre-release needs no changelog section", src: src([]string{"v" + next + "-rc.1"}, false, nil),
			want: &build{Version: next + "-rc.1", Commit: "0b5150056c54dd75353bec3217a1974d4876f54c", Date: "2026-12-03T12:00:00Z", mtime: date},
		},
		{
			name: "snapshot of a modified tree without a tag", src: src(nil, true, nil), snapshot: true,
			want: &build{Version: next + "-dev", Commit: "0b5150056c54dd75353bec3217a1974d4876f54c", Date: "2026-12-03T12:00:00Z", Modified: true, mtime: date},
		},
		{name: "release of a modified tree", src: src([]string{"v" + next}, true, changelog), wantErr: "uncommitted changes"},
		{name: "release without its changelog section", src: src([]string{"v" + next}, false, []byte("## [Unreleased]\n")), wantErr: "CHANGELOG.md has no section for " + next},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := newBuild(tc.src, tc.snapshot)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("newBuild: %v, want error %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(build{})); diff != "" {
				t.Errorf("newBuild (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLdflags(t *testing.T) {
	const pkg = "github.com/gossiplab/gossiplab/internal/buildinfo"
	b := &build{Version: "0.1.0", Commit: "abc", Date: "2026-12-03T12:00:00Z"}
	want := "-s -w -X " + pkg + ".version=0.1.0 -X " + pkg + ".commit=abc -X " + pkg + ".date=2026-12-03T12:00:00Z"
	if got := b.ldflags(); got != want {
		t.Errorf("ldflags = %q, want %q", got, want)
	}
	b.Modified = true
	if got := b.ldflags(); got != want+" -X "+pkg+".modified=true" {
		t.Errorf("ldflags of a modified tree = %q", got)
	}
}

// entry is what the test reads back of one tar entry.
type entry struct {
	Name, Link, Data string
	Type             byte
	Mode             int64
	UID, GID         int
	ModTime          time.Time
}

// TestWriteArchive: sorted entries under the prefix, 0:0, dated, modes
// normalised, a hard link stored as a link, and the same bytes twice.
func TestWriteArchive(t *testing.T) {
	dir := t.TempDir()
	for name, mode := range map[string]os.FileMode{"labagent": 0o700, "README.md": 0o600, "man/man1/lab.1": 0o644} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte("content of "+name), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Link(filepath.Join(dir, "labagent"), filepath.Join(dir, "labagent-linux-amd64")); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	mtime := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	out := t.TempDir()
	a, b := filepath.Join(out, "a.tar.gz"), filepath.Join(out, "b.tar.gz")
	for _, p := range []string{a, b} {
		if err := writeArchive(p, dir, "gl", mtime); err != nil {
			t.Fatal(err)
		}
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Errorf("two archives of one tree differ")
	}
	got := readArchive(t, da)
	e := func(name string, typ byte, mode int64, link, data string) entry {
		return entry{Name: name, Link: link, Data: data, Type: typ, Mode: mode, ModTime: mtime}
	}
	want := []entry{
		e("gl/", tar.TypeDir, 0o755, "", ""),
		e("gl/README.md", tar.TypeReg, 0o644, "", "content of README.md"),
		e("gl/labagent", tar.TypeReg, 0o755, "", "content of labagent"),
		e("gl/labagent-linux-amd64", tar.TypeLink, 0o755, "gl/labagent", ""),
		e("gl/man/", tar.TypeDir, 0o755, "", ""),
		e("gl/man/man1/", tar.TypeDir, 0o755, "", ""),
		e("gl/man/man1/lab.1", tar.TypeReg, 0o644, "", "content of man/man1/lab.1"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("archive entries (-want +got):\n%s", diff)
	}
}

func readArchive(t *testing.T, data []byte) []entry {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var out []entry
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, entry{Name: h.Name, Link: h.Linkname, Data: string(body), Type: h.Typeflag, Mode: h.Mode, UID: h.Uid, GID: h.Gid, ModTime: h.ModTime.UTC()})
	}
}

func TestWriteSums(t *testing.T) {
	dist := t.TempDir()
	for _, n := range []string{"b.tar.gz", "a.tar.gz"} {
		if err := os.WriteFile(filepath.Join(dist, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeSums(dist, []string{"b.tar.gz", "a.tar.gz"}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	// What sha256sum prints for files holding their own names, sorted.
	want := "0a67bba7da46793c9f1908a7eec3d06a11ba7bc00bf749c31bb134f4f45ebcad  a.tar.gz\n" +
		"4cdd590dab2a8c432f0e00ac86a0de7d0116b6638a012053786d3b4899102a74  b.tar.gz\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("SHA256SUMS (-want +got):\n%s", diff)
	}
}
