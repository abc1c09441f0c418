package readmetest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestChecker: what the docs check finds, and what it lets through.
func TestChecker(t *testing.T) {
	c := checker(t)
	tests := []struct {
		cmd  string
		want string // a substring of the error; "" for none
	}{
		{"lab up --provider netns --nodes 5", ""},
		{"sudo lab up --provider=netns -n 5 --dir /tmp/x", ""},
		{"lab --dir /tmp/x status --json", ""},
		{"lab -C /tmp/x status", ""},
		{"lab chaos partition 'web_[1-5]' 'web_[6-10]' --keep", ""},
		{"lab ssh web_3 -- ip -4 addr show eth1", ""},
		{"lab completion bash", ""},
		{"lab chaos generate --steps 12 --seed 7 -o s.chaos", ""},
		{"bench converge --backend sim --nodes 10,100", ""},
		{"go run ./cmd/bench converge --runs 3", ""},
		{"labagent agent -node=web_1 -bind 127.0.0.21 -tag role=web", ""},
		{"labagent members -rpc-addr 127.0.0.21:7373", ""},
		{"GOOS=linux go build -o bin/labagent-linux-amd64 ./cmd/labagent", ""},
		{"go install " + ModulePath + "/cmd/lab@latest", ""},
		{"go test -count=1 ./...", ""},
		{"man -l docs/man/lab.1", ""},
		{"vagrant validate", ""},

		{"lab up --nodez 5", "unknown flag --nodez"},
		{"sudo lab up --provider netns --nodes 5 --nmae x", "unknown flag --nmae"},
		{"lab chaos kill-agent web_2 --randm 2", "lab chaos: unknown flag --randm"},
		{"lab statsu", `unknown command "statsu"`},
		{"lab completion bsh", `lab completion: unknown command "bsh"`},
		{"lab box bild", `lab box: unknown command "bild"`},
		{"lab chaos generate --stepz 3", "lab chaos generate: unknown flag --stepz"},
		{"go run ./cmd/bench converge --runz 3", "bench converge: unknown flag --runz"},
		{"bench convrge", `unknown command "convrge"`},
		{"labagent agent -nod=web_1", "labagent agent: unknown flag -nod=web_1"},
		{"labagent membrs", `unknown command "membrs"`},
		{"go install ./cmd/labb", "./cmd/labb: not in the repository"},
		{"man -l docs/man/lab.9", "docs/man/lab.9: not in the repository"},
		{"go test ../shared/x", "a path outside the repository"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			cmds, err := Commands(tt.cmd)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Check(context.Background(), cmds[0])
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Check: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Check = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// docFiles are the files whose ```sh blocks are checked.
func docFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md", "CONTRIBUTING.md"}
	more, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range more {
		rel, _ := filepath.Rel(repoRoot, f)
		files = append(files, rel)
	}
	return files
}

// TestDocsCommands checks every ```sh block of the docs for syntax: bash
// -n, then every lab, bench, labagent, go and man command in it.
func TestDocsCommands(t *testing.T) {
	c := checker(t)
	ctx := context.Background()
	for _, file := range docFiles(t) {
		t.Run(file, func(t *testing.T) {
			md, err := os.ReadFile(filepath.Join(repoRoot, file))
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, b := range Blocks(string(md)) {
				if b.Run && b.Lang != "sh" {
					t.Errorf("%s:%d: a block marked to run must be ```sh, not %q", file, b.Line, b.Lang)
				}
				if b.Lang != "sh" {
					continue
				}
				checked++
				if out, err := exec.Command("bash", "-n", "-c", b.Text).CombinedOutput(); err != nil {
					t.Errorf("%s:%d: bash -n: %v\n%s", file, b.Line, err, out)
				}
				cmds, err := Commands(b.Text)
				if err != nil {
					t.Errorf("%s:%d: %v", file, b.Line, err)
					continue
				}
				for _, cmd := range cmds {
					if err := c.Check(ctx, cmd); err != nil {
						t.Errorf("%s:%d: %s\n  %v", file, b.Line, strings.Join(cmd, " "), err)
					}
				}
			}
			t.Logf("%d sh blocks checked", checked)
		})
	}
}

// TestDocsLinks checks that the docs' relative links name files of the
// repository and, with #anchor, headings of the file they link to.
func TestDocsLinks(t *testing.T) {
	anchors := map[string]map[string]bool{} // by path from the repository root
	read := func(rel string) (string, error) {
		b, err := os.ReadFile(filepath.Join(repoRoot, rel))
		return string(b), err
	}
	for _, file := range docFiles(t) {
		md, err := read(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range Links(md) {
			target := file
			if l.Target != "" {
				target = filepath.Join(filepath.Dir(file), l.Target)
			}
			if strings.HasPrefix(target, "..") {
				t.Errorf("%s:%d: %s leaves the repository", file, l.Line, l.Target)
				continue
			}
			if _, err := os.Stat(filepath.Join(repoRoot, target)); err != nil {
				t.Errorf("%s:%d: %s: no such file in the repository", file, l.Line, l.Target)
				continue
			}
			if l.Anchor == "" || !strings.HasSuffix(target, ".md") {
				continue
			}
			if anchors[target] == nil {
				text, err := read(target)
				if err != nil {
					t.Fatal(err)
				}
				anchors[target] = Anchors(text)
			}
			if !anchors[target][l.Anchor] {
				t.Errorf("%s:%d: %s has no heading for #%s", file, l.Line, target, l.Anchor)
			}
		}
	}
}
