package readmetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBlocks(t *testing.T) {
	tests := []struct {
		name string
		md   string
		want []Block
	}{
		{"none", "# title\n\ntext\n", nil},
		{"one sh block", "a\n```sh\nlab up\n```\n", []Block{{Line: 2, Lang: "sh", Text: "lab up\n"}}},
		{"marked to run", "<!-- readme-test: run -->\n```sh\nlab status\nlab members\n```\n",
			[]Block{{Line: 2, Lang: "sh", Run: true, Text: "lab status\nlab members\n"}}},
		{"mark must be on the line before", "<!-- readme-test: run -->\n\n```sh\nx\n```\n", []Block{{Line: 3, Lang: "sh", Text: "x\n"}}},
		{"text and sh", "```text\nout\n```\n```sh\ncmd\n```\n",
			[]Block{{Line: 1, Lang: "text", Text: "out\n"}, {Line: 4, Lang: "sh", Text: "cmd\n"}}},
		{"longer fence holds a shorter one", "````md\n```sh\nx\n```\n````\n", []Block{{Line: 1, Lang: "md", Text: "```sh\nx\n```\n"}}},
		{"indented fence", "  ```sh\n  lab up\n  ```\n", []Block{{Line: 1, Lang: "sh", Text: "  lab up\n"}}},
		{"unclosed", "```sh\nlab up\n", []Block{{Line: 1, Lang: "sh", Text: "lab up\n"}}},
		{"crlf", "```sh\r\nlab up\r\n```\r\n", []Block{{Line: 1, Lang: "sh", Text: "lab up\n"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Blocks(tt.md)); diff != "" {
				t.Errorf("Blocks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   [][]string
	}{
		{"words", "lab up --nodes 5\n", [][]string{{"lab", "up", "--nodes", "5"}}},
		{"comment", "lab status   # NODE STATE\n# alone\n", [][]string{{"lab", "status"}}},
		{"quotes", `lab chaos partition 'web_[1-5]' "web_[6-10]"`, [][]string{{"lab", "chaos", "partition", "web_[1-5]", "web_[6-10]"}}},
		{"empty quotes are a word", `x "" ''`, [][]string{{"x", "", ""}}},
		{"hash inside a word", "echo a#b", [][]string{{"echo", "a#b"}}},
		{"continuation", "bench converge \\\n    --runs 3\n", [][]string{{"bench", "converge", "--runs", "3"}}},
		{"separators", "mkdir -p d && cd d; lab up | tee x || true &\n",
			[][]string{{"mkdir", "-p", "d"}, {"cd", "d"}, {"lab", "up"}, {"tee", "x"}, {"true"}}},
		{"redirections", "lab ssh-config > ssh_config 2>&1\nlab x 2> err <in\n",
			[][]string{{"lab", "ssh-config"}, {"lab", "x"}}},
		{"process substitution", "source <(lab completion bash)", [][]string{{"source", Subst}, {"lab", "completion", "bash"}}},
		{"command substitution in quotes", `cp "$(go env GOPATH)/bin/lab" /usr/local/bin/`,
			[][]string{{"cp", Subst + "/bin/lab", "/usr/local/bin/"}, {"go", "env", "GOPATH"}}},
		{"escaped", `echo a\ b "q\"q"`, [][]string{{"echo", "a b", `q"q`}}},
		{"variables stay", `go build -o "$PWD/x" .`, [][]string{{"go", "build", "-o", "$PWD/x", "."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Commands(tt.script)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Commands (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCommandsRefuses(t *testing.T) {
	for _, script := range []string{`echo 'open`, `echo "open`, `x $(y`, "x \\"} {
		if _, err := Commands(script); err == nil {
			t.Errorf("Commands(%q) = nil error, want one", script)
		}
	}
}

func TestLinks(t *testing.T) {
	md := "see [a](docs/a.md#x-y), [b](#here), ![img](img/p.png)\n" +
		"[web](https://example.com/x) `[code](no.md)`\n" +
		"```sh\n[in](block.md)\n```\n" +
		"[c](../README.md)\n"
	want := []Link{{Line: 1, Target: "docs/a.md", Anchor: "x-y"}, {Line: 1, Anchor: "here"},
		{Line: 1, Target: "img/p.png"}, {Line: 6, Target: "../README.md"}}
	if diff := cmp.Diff(want, Links(md)); diff != "" {
		t.Errorf("Links (-want +got):\n%s", diff)
	}
}

func TestAnchors(t *testing.T) {
	md := "# The lab file: lab.hcl\n## Break it and measure\n### bench at a million nodes\n" +
		"## Token and limits\n## Token and limits\n## `lab chaos` (Serf)\n```sh\n# not a heading\n```\n"
	want := map[string]bool{"the-lab-file-labhcl": true, "break-it-and-measure": true, "bench-at-a-million-nodes": true,
		"token-and-limits": true, "token-and-limits-1": true, "lab-chaos-serf": true}
	if diff := cmp.Diff(want, Anchors(md)); diff != "" {
		t.Errorf("Anchors (-want +got):\n%s", diff)
	}
}
