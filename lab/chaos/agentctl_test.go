package chaos

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/internal/golden"
)

func TestAgentScripts(t *testing.T) {
	a := AgentCLI{}
	scripts := map[string]string{
		"stop.sh": a.StopScript(), "start.sh": a.StartScript(), "kill.sh": a.KillScript(),
	}
	sh, shErr := exec.LookPath("sh")
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) {
			golden.Check(t, "agent/"+name, []byte(script))
			if shErr != nil {
				t.Skip("no sh to check the syntax")
			}
			if _, err := (execx.Exec{}).Run(context.Background(), execx.Cmd{Args: []string{sh, "-n"}, Stdin: strings.NewReader(script)}); err != nil {
				t.Errorf("syntax: %v", err)
			}
		})
	}
}

func TestAgentCmd(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"default", AgentCLI{}.Cmd("journal", "-format", "json"), "labagent journal -format json"},
		{"args after the subcommand", AgentCLI{Bin: "/opt/lab agent", Args: []string{"-rpc-addr", "127.0.0.1:7373"}}.Cmd("fault", "-clear"),
			"'/opt/lab agent' fault -rpc-addr 127.0.0.1:7373 -clear"},
		{"quoting", AgentCLI{}.Cmd("fault", "-partition", "web_1,it's"), `labagent fault -partition 'web_1,it'\''s'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %s\nwant %s", tt.got, tt.want)
			}
		})
	}
}
