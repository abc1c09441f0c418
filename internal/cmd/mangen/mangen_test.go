package main

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite docs/man")

const repo = "../../.."

// TestManPagesUpToDate fails when a page under docs/man is not what the
// commands' help says today; -update (or go generate
// ./internal/cmd/mangen) rewrites them.
func TestManPagesUpToDate(t *testing.T) {
	pages, err := render(t.Context(), repo)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(repo, "docs", "man")
	if *update {
		if err := write(dir, pages); err != nil {
			t.Fatal(err)
		}
	}
	bad, err := stale(dir, pages)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("stale man pages in docs/man: %s\nregenerate them: go generate ./internal/cmd/mangen", describe(bad))
	}
	// What users look for: every command and its completion scripts.
	for _, name := range []string{"lab.1", "lab-version.1", "lab-completion-bash.1", "lab-completion-zsh.1", "bench.1", "bench-version.1", "bench-completion-fish.1", "labagent.1"} {
		if _, ok := pages[name]; !ok {
			t.Errorf("no man page %s", name)
		}
	}
	for _, want := range []string{`.SS version`, `\-rpc\-addr`, `labagent COMMAND \-h`, `.TH "LABAGENT" "1"`} {
		if !strings.Contains(string(pages["labagent.1"]), want) {
			t.Errorf("labagent.1 has no %q", want)
		}
	}
}

// TestRenderDeterministic: the environment does not reach the pages (a
// labagent default from $LABAGENT_RPC_ADDR would).
func TestRenderDeterministic(t *testing.T) {
	a, err := render(t.Context(), repo)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("LABAGENT_RPC_ADDR", "127.0.0.9:9999")
	t.Setenv("LABAGENT_RPC_TOKEN", "secret")
	b, err := render(t.Context(), repo)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("pages depend on the environment (-first +second):\n%s", diff)
	}
}

func TestReleaseDate(t *testing.T) {
	for _, tc := range []struct {
		name, changelog string
		want            string // "" for an error
	}{
		{name: "newest release", changelog: "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2027-01-05\n\n## [0.1.0] - 2026-12-03\n", want: "2027-01-05"},
		{name: "only unreleased", changelog: "# Changelog\n\n## [Unreleased]\n"},
		{name: "bad date", changelog: "## [0.1.0] - 2026-13-03\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := releaseDate([]byte(tc.changelog))
			if tc.want == "" {
				if err == nil {
					t.Errorf("releaseDate = %v, want an error", got)
				}
				return
			}
			if err != nil || got.Format(time.DateOnly) != tc.want {
				t.Errorf("releaseDate = %v, %v; want %s", got, err, tc.want)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"-rpc-addr", `\-rpc\-addr`},
		{`a\b`, `a\eb`},
		{".hidden\n'quoted\nplain", "\\&.hidden\n\\&'quoted\nplain"},
	} {
		if got := escape(tc.in); got != tc.want {
			t.Errorf("escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
