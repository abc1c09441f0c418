package main

import (
	"context"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"path/filepath"

	goversion "github.com/hashicorp/go-version"

	bi "github.com/gossiplab/gossiplab/internal/buildinfo"
	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/provision"
)

// check reads the Go build info of every binary in t's directory (the
// platform it was built for, without cgo, with -trimpath) and, on this
// host's platform, runs the commands: each must report the stamped build,
// and provisioning must read labagent's version as stamped.
func (b *build) check(ctx context.Context, dir string, t target) error {
	want := map[string]string{"GOOS": t.OS, "GOARCH": t.Arch, "CGO_ENABLED": "0", "-trimpath": "true"}
	for _, c := range commands() {
		path := filepath.Join(dir, c)
		info, err := buildinfo.ReadFile(path)
		if err != nil {
			return fmt.Errorf("check %s: %w", path, err)
		}
		got := map[string]string{}
		for _, s := range info.Settings {
			got[s.Key] = s.Value
		}
		for k, v := range want {
			if got[k] != v {
				return fmt.Errorf("check %s: built with %s=%q, want %q", path, k, got[k], v)
			}
		}
	}
	if h, ok := host(); !ok || h != t {
		return nil
	}
	for _, c := range commands() {
		if err := b.checkRun(ctx, filepath.Join(dir, c)); err != nil {
			return err
		}
	}
	return b.checkAgentVersion(ctx, filepath.Join(dir, "labagent"))
}

// checkRun runs `CMD version` in JSON and compares the build it reports.
func (b *build) checkRun(ctx context.Context, path string) error {
	args := []string{path, "version", "--json"}
	if filepath.Base(path) == "labagent" {
		args = []string{path, "version", "-format", "json"}
	}
	out, err := execx.Exec{}.Run(ctx, execx.Cmd{Args: args})
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	var got bi.Info
	if err := json.Unmarshal(out, &got); err != nil {
		return fmt.Errorf("check %s: version output %q: %w", path, out, err)
	}
	want := bi.Info{Version: b.Version, Commit: b.Commit, Date: b.Date, Modified: b.Modified}
	got.Go, got.Platform = "", ""
	if got != want {
		return fmt.Errorf("check %s: it reports %+v, want %+v", path, got, want)
	}
	return nil
}

// checkAgentVersion reads labagent's version as lab provision does.
func (b *build) checkAgentVersion(ctx context.Context, path string) error {
	got, err := provision.LocalVersion(ctx, path)
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	want, err := goversion.NewVersion(b.Version)
	if err != nil {
		return fmt.Errorf("version %q: %w", b.Version, err)
	}
	if got != want.String() {
		return fmt.Errorf("check %s: provisioning reads version %s, want %s", path, got, want)
	}
	return nil
}
