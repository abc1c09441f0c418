package provision

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/golden"
)

func testTarget() Target {
	return Target{
		Endpoint: Endpoint{Node: "web_3", Host: "127.0.0.1", Port: 2203, User: "vagrant"},
		IP:       "192.168.56.13",
		Join:     []string{"192.168.56.11", "192.168.56.12"},
		Tags:     map[string]string{"role": "web", "dc": "lab"},
	}
}

func testSettings() AgentSettings {
	return AgentSettings{Profile: "lan", EncryptKey: bytes.Repeat([]byte{7}, 32), EventHandlers: []string{"member-join=/usr/local/bin/on-join"}}
}

func TestRenderGolden(t *testing.T) {
	l := Layout{Name: "labagent"}
	serf := Layout{Name: "serf"}
	tests := []struct {
		name   string
		render func() ([]byte, error)
	}{
		{"labagent.json", func() ([]byte, error) { return RenderLabagentConfig(l, testTarget(), testSettings(), "eth1") }},
		{"labagent-mdns.json", func() ([]byte, error) {
			tg := testTarget()
			tg.Join, tg.Tags = nil, nil
			return RenderLabagentConfig(l, tg, AgentSettings{Discover: "lab", RPCAddr: "127.0.0.1:7374"}, "enp0s8")
		}},
		{"labagent.service", func() ([]byte, error) {
			return RenderService(l, InitSystemd, FlavourLabagent.Args(l, testTarget(), testSettings(), "eth1"))
		}},
		{"labagent.init", func() ([]byte, error) {
			return RenderService(l, InitSysV, FlavourLabagent.Args(l, testTarget(), testSettings(), "eth1"))
		}},
		{"labagent-none.init", func() ([]byte, error) {
			return RenderService(l, InitNone, FlavourLabagent.Args(l, testTarget(), testSettings(), "eth1"))
		}},
		{"rc.local.entry", func() ([]byte, error) { return RenderRCLocalEntry(l) }},
		{"serf.service", func() ([]byte, error) {
			return RenderService(serf, InitSystemd, FlavourSerf.Args(serf, testTarget(), testSettings(), "eth1"))
		}},
		{"serf.init", func() ([]byte, error) {
			return RenderService(serf, InitSysV, FlavourSerf.Args(serf, testTarget(), testSettings(), "eth1"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.render()
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, tt.name, got)
			again, _ := tt.render()
			if !bytes.Equal(got, again) {
				t.Error("rendering is not deterministic")
			}
		})
	}
}

func TestRenderConfigBadIP(t *testing.T) {
	tg := testTarget()
	tg.IP = "eth1"
	_, err := RenderLabagentConfig(Layout{Name: "labagent"}, tg, AgentSettings{}, "eth1")
	if err == nil || !strings.Contains(err.Error(), `lab IP "eth1" is not an IP address`) {
		t.Fatalf("err = %v", err)
	}
}

// TestSystemdUnitVerifies runs systemd-analyze verify on the rendered unit;
// its warnings go to stderr with exit status 0, so any output fails.
func TestSystemdUnitVerifies(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (apt-get install systemd)")
	}
	for _, flavour := range []Flavour{FlavourLabagent, FlavourSerf} {
		t.Run(string(flavour), func(t *testing.T) {
			root := t.TempDir()
			l := Layout{Root: root, Name: string(flavour)}
			if err := os.MkdirAll(l.BinDir(), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(l.Binary(), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			unit, err := RenderService(l, InitSystemd, flavour.Args(l, testTarget(), testSettings(), "eth1"))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), l.Name+".service")
			if err := os.WriteFile(path, unit, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(sa, "verify", path).CombinedOutput()
			if err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Fatalf("systemd-analyze verify %s: %v\n%s", path, err, out)
			}
		})
	}
}

// TestInitScriptSyntax checks the rendered init script with sh -n.
func TestInitScriptSyntax(t *testing.T) {
	l := Layout{Name: "labagent"}
	script, err := RenderService(l, InitSysV, FlavourLabagent.Args(l, testTarget(), testSettings(), "eth1"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-n")
	cmd.Stdin = bytes.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sh -n: %v\n%s", err, out)
	}
}

func TestAgentArgsSerf(t *testing.T) {
	l := Layout{Name: "serf"}
	got := FlavourSerf.Args(l, testTarget(), testSettings(), "eth1")
	want := []string{"agent", "-node=web_3", "-bind=192.168.56.13", "-advertise=192.168.56.13", "-rpc-addr=127.0.0.1:7373",
		"-snapshot=/var/lib/labagent/snapshot", "-rejoin", "-retry-join=192.168.56.11", "-retry-join=192.168.56.12", "-retry-interval=2s",
		"-config-file=/etc/labagent/serf.json", "-tag=dc=lab", "-tag=role=web"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("serf args (-want +got):\n%s", diff)
	}
	// The gossip key is not on the command line, which ps shows to every
	// user of the node, but in the config file (installed 0600).
	conf, err := FlavourSerf.Config(l, testTarget(), testSettings(), "eth1")
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"encrypt_key\": \"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\"\n}\n"; string(conf) != want {
		t.Errorf("serf config:\n%s\nwant:\n%s", conf, want)
	}
}

func TestShellQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"/usr/local/bin/labagent", "/usr/local/bin/labagent"},
		{"", "''"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"$(rm -rf /)", "'$(rm -rf /)'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := shellQuote(tt.in); got != tt.want {
				t.Errorf("shellQuote(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
