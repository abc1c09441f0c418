package box

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/hint"
)

func TestSources(t *testing.T) {
	for _, tc := range []struct {
		name   string
		files  map[string]string // under etc/apt
		mirror string
		want   []aptSource
		err    error
	}{
		{
			name: "deb822 with security and a third-party repository",
			files: map[string]string{"sources.list.d/debian.sources": `Types: deb
# a comment
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://deb.debian.org/debian-security/
Suites: bookworm-security
Components: main contrib

Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main

Types: deb
URIs: https://deb.nodesource.com/node_20.x
Suites: nodistro
Components: main
`,
				"sources.list.d/off.sources": "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n",
			},
			want: []aptSource{
				{"http://deb.debian.org/debian", "bookworm"},
				{"http://deb.debian.org/debian", "bookworm-updates"},
				{"http://deb.debian.org/debian-security", "bookworm-security"},
			},
		},
		{
			name: "one-line with options, comments and no main",
			files: map[string]string{"sources.list": `# deb http://old.example/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian/ bookworm main contrib
deb-src http://mirror.example/debian bookworm main
deb http://mirror.example/debian bookworm-updates contrib
deb http://mirror.example/debian bookworm main # duplicate
`},
			want: []aptSource{{"http://mirror.example/debian", "bookworm"}},
		},
		{
			name:  "another release only",
			files: map[string]string{"sources.list": "deb http://deb.debian.org/debian trixie main\n"},
			err:   ErrMirror,
		},
		{
			name: "no sources at all",
			err:  ErrMirror,
		},
		{
			name:   "a mirror instead",
			files:  map[string]string{"sources.list": "deb http://deb.debian.org/debian trixie main\n"},
			mirror: "http://mirror.example/debian/",
			want:   []aptSource{{"http://mirror.example/debian", "bookworm"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for name, text := range tc.files {
				p := filepath.Join(root, "etc", "apt", name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := sources(root, tc.mirror)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if err != nil && !hint.Has(err) {
				t.Errorf("%v: no hint", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("sources (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSourceLine(t *testing.T) {
	got := aptSource{"http://deb.debian.org/debian", "bookworm"}.line()
	if want := "deb http://deb.debian.org/debian bookworm main"; got != want {
		t.Errorf("line() = %q, want %q", got, want)
	}
}
