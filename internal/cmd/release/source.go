package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/semver"

	"github.com/gossiplab/gossiplab/internal/buildinfo"
	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/internal/hint"
)

const modulePath = "github.com/gossiplab/gossiplab"

// source is the commit being built, as git reports it.
type source struct {
	Commit    string
	Date      time.Time // the commit's, in UTC
	Modified  bool      // uncommitted changes, untracked files included
	Tags      []string  // the v* tags at HEAD
	Changelog []byte    // CHANGELOG.md
}

func readSource(ctx context.Context, root string) (source, error) {
	git := func(args ...string) (string, error) {
		out, err := execx.Exec{}.Run(ctx, execx.Cmd{Args: append([]string{"git"}, args...), Dir: root})
		if err != nil {
			return "", hint.Wrap(err, "the release tool reads the commit with git, in a git checkout")
		}
		return strings.TrimSpace(string(out)), nil
	}
	var s source
	var err error
	if s.Commit, err = git("rev-parse", "HEAD"); err != nil {
		return s, err
	}
	date, err := git("show", "-s", "--format=%cI", "HEAD")
	if err != nil {
		return s, err
	}
	if s.Date, err = time.Parse(time.RFC3339, date); err != nil {
		return s, fmt.Errorf("commit date %q: %w", date, err)
	}
	s.Date = s.Date.UTC()
	status, err := git("status", "--porcelain")
	if err != nil {
		return s, err
	}
	s.Modified = status != ""
	tags, err := git("tag", "--points-at", "HEAD", "--list", "v*")
	if err != nil {
		return s, err
	}
	s.Tags = strings.Fields(tags)
	if s.Changelog, err = os.ReadFile(filepath.Join(root, "CHANGELOG.md")); err != nil {
		return s, fmt.Errorf("read the changelog: %w", err)
	}
	return s, nil
}

// build is what one run of the tool makes.
type build struct {
	Version  string // without "v"
	Commit   string
	Date     string // RFC 3339, UTC
	Modified bool
	mtime    time.Time // of every archive entry: the commit's date
	notes    []byte    // a release's CHANGELOG section; nil for snapshots
}

// newBuild checks that src can be released (or, with snapshot, takes any
// tree) and says what to stamp.
func newBuild(src source, snapshot bool) (*build, error) {
	b := &build{Commit: src.Commit, Date: src.Date.Format(time.RFC3339), Modified: src.Modified, mtime: src.Date}
	if snapshot {
		b.Version = buildinfo.Next + "-dev"
		return b, nil
	}
	v, err := releaseVersion(src.Tags, buildinfo.Next)
	if err != nil {
		return nil, err
	}
	if src.Modified {
		return nil, hint.Errorf("commit or stash them (git status), or build a snapshot with --snapshot", "the tree has uncommitted changes")
	}
	b.Version = strings.TrimPrefix(v, "v")
	if semver.Prerelease(v) == "" {
		if b.notes, err = changelogSection(src.Changelog, b.Version); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// releaseVersion picks the release tag among tags: exactly one canonical
// vX.Y.Z or vX.Y.Z-PRE whose X.Y.Z is next.
func releaseVersion(tags []string, next string) (string, error) {
	var vs []string
	for _, t := range tags {
		if semver.IsValid(t) && semver.Canonical(t) == t {
			vs = append(vs, t)
		}
	}
	switch {
	case len(vs) == 0:
		return "", hint.Errorf("git tag v"+next+", or build a snapshot with --snapshot", "HEAD carries no version tag (want v%s)", next)
	case len(vs) > 1:
		return "", hint.Errorf("delete all but the one to release (git tag -d)", "HEAD carries several version tags: %s", strings.Join(vs, ", "))
	}
	v := vs[0]
	if core := strings.TrimSuffix(v, semver.Prerelease(v)); core != "v"+next {
		return "", hint.Errorf(fmt.Sprintf("set Next in internal/buildinfo/buildinfo.go to %s, commit, and tag that commit", strings.TrimPrefix(core, "v")),
			"tag %s is not the next version, %s (buildinfo.Next)", v, next)
	}
	return v, nil
}

// changelogSection is the body of the "## [VERSION]" section of a Keep a
// Changelog file, without its heading.
func changelogSection(md []byte, version string) ([]byte, error) {
	var body [][]byte
	in := false
	for _, line := range bytes.SplitAfter(md, []byte("\n")) {
		switch {
		case bytes.HasPrefix(line, []byte("## ["+version+"]")):
			in = true
			continue
		case bytes.HasPrefix(line, []byte("## ")), bytes.HasPrefix(line, []byte("[")) && bytes.Contains(line, []byte("]: ")):
			in = false
		}
		if in {
			body = append(body, line)
		}
	}
	text := bytes.TrimSpace(bytes.Join(body, nil))
	if len(text) == 0 {
		return nil, hint.Errorf(fmt.Sprintf("move what is under [Unreleased] to a new '## [%s] - %s' section", version, time.Now().UTC().Format(time.DateOnly)),
			"CHANGELOG.md has no section for %s", version)
	}
	return append(text, '\n'), nil
}

// describeCommit is the commit for messages: "abc1234 (modified)".
func (b *build) describeCommit() string {
	c := b.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	if b.Modified {
		c += " (modified)"
	}
	return c
}
