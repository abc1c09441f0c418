package chaos

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/internal/golden"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/provision"
)

func TestAgentScripts(t *testing.T) {
	sh, shErr := exec.LookPath("sh")
	for _, flavour := range []provision.Flavour{provision.FlavourLabagent, provision.FlavourSerf} {
		a := AgentFor(flavour)
		scripts := map[string]string{
			"stop.sh": a.StopScript(), "start.sh": a.StartScript(), "kill.sh": a.KillScript(), "monitor.sh": a.monitorScript(),
		}
		for name, script := range scripts {
			if name == "monitor.sh" && flavour != provision.FlavourSerf {
				continue
			}
			t.Run(string(flavour)+"/"+name, func(t *testing.T) {
				golden.Check(t, "agent/"+string(flavour)+"/"+name, []byte(script))
				if shErr != nil {
					t.Skip("no sh to check the syntax")
				}
				if _, err := (execx.Exec{}).Run(context.Background(), execx.Cmd{Args: []string{sh, "-n"}, Stdin: strings.NewReader(script)}); err != nil {
					t.Errorf("syntax: %v", err)
				}
			})
		}
	}
}

func TestAgentCmd(t *testing.T) {
	serf := AgentFor(provision.FlavourSerf)
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"default", AgentCLI{}.Cmd("journal", "-format", "json"), "/usr/local/bin/labagent journal -format json"},
		{"args after the subcommand", AgentCLI{Bin: "/opt/lab agent", Args: []string{"-rpc-addr", "127.0.0.1:7373"}}.Cmd("fault", "-clear"),
			"'/opt/lab agent' fault -rpc-addr 127.0.0.1:7373 -clear"},
		{"quoting", AgentCLI{}.Cmd("fault", "-partition", "web_1,it's"), `/usr/local/bin/labagent fault -partition 'web_1,it'\''s'`},
		{"labagent members", AgentCLI{}.MembersCmd(), "/usr/local/bin/labagent members -format json"},
		{"serf members", serf.MembersCmd(), "/usr/local/bin/serf members -format json"},
		{"serf leave", serf.Cmd("leave"), "/usr/local/bin/serf leave"},
		{"labagent event: matched by sender", AgentCLI{}.EventCmd("web_5", "00ff"), "/usr/local/bin/labagent event lab-chaos"},
		{"serf event: not coalesced, sender and nonce in the payload", serf.EventCmd("web_5", "00ff"), "/usr/local/bin/serf event -coalesce=false lab-chaos 'web_5 00ff'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %s\nwant %s", tt.got, tt.want)
			}
		})
	}
}

func TestAgentSupports(t *testing.T) {
	serf := AgentFor(provision.FlavourSerf)
	tests := []struct {
		name    string
		agent   AgentCLI
		req     Request
		wantErr string
	}{
		{"labagent delays", AgentCLI{}, Request{Action: ActDelay, Mechanism: MechAuto}, ""},
		{"labagent's hook", AgentCLI{}, Request{Action: ActLoss, Mechanism: MechAgent}, ""},
		{"serf cannot delay", serf, Request{Action: ActDelay, Mechanism: MechAuto}, "Serf lacks"},
		{"serf has no hook", serf, Request{Action: ActPartition, Mechanism: MechAgent}, "--mechanism nft"},
		{"serf partitions with nft", serf, Request{Action: ActPartition, Mechanism: MechAuto}, ""},
		{"serf kills", serf, Request{Action: ActKillAgent, Mechanism: MechAgent}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.agent.Supports(tt.req)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(hint.Text(err), tt.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			case err != nil && !strings.Contains(hint.Text(err), "hint:"):
				t.Errorf("error without a hint: %v", err)
			}
		})
	}
}
