package lab

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/provision"
)

func TestEnsureEncryptKey(t *testing.T) {
	p := Paths{Dir: t.TempDir()}
	key, err := EnsureEncryptKey(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != 32 {
		t.Fatalf("key is %d bytes", len(key))
	}
	st, err := os.Stat(p.EncryptKey())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", st.Mode().Perm(), err)
	}
	again, err := EnsureEncryptKey(p)
	if err != nil || !bytes.Equal(key, again) {
		t.Fatalf("second call made another key (%v)", err)
	}
	if err := os.Chmod(p.EncryptKey(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureEncryptKey(p); err == nil || !strings.Contains(hint.Text(err), "hint: chmod 600") {
		t.Errorf("world-readable key: err = %v", err)
	}
	os.Remove(p.EncryptKey())
	if err := os.WriteFile(p.EncryptKey(), []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureEncryptKey(p); err == nil || !strings.Contains(hint.Text(err), "does not hold a base64 32-byte key") {
		t.Errorf("bad key: err = %v", err)
	}
}

func TestAgentTargets(t *testing.T) {
	spec := DefaultSpec()
	spec.Nodes = 4
	spec.Agent.Seeds = 2
	l := New(t.TempDir(), spec)
	var eps []SSHEndpoint
	for _, n := range l.Nodes {
		eps = append(eps, SSHEndpoint{Node: n.Name, Host: "127.0.0.1", Port: n.SSHPort, User: "vagrant", IdentityFile: "/k"})
	}
	targets, err := l.AgentTargets(eps)
	if err != nil {
		t.Fatal(err)
	}
	var joins [][]string
	for _, tg := range targets {
		joins = append(joins, tg.Join)
	}
	want := [][]string{{"192.168.56.12"}, {"192.168.56.11"}, {"192.168.56.11", "192.168.56.12"}, {"192.168.56.11", "192.168.56.12"}}
	if diff := cmp.Diff(want, joins); diff != "" {
		t.Errorf("joins (-want +got):\n%s", diff)
	}
	if targets[2].IP != "192.168.56.13" || targets[2].Endpoint.Port != l.Nodes[2].SSHPort {
		t.Errorf("target 3: %+v", targets[2])
	}
	if _, err := l.AgentTargets([]SSHEndpoint{{Node: "db_1"}}); err == nil {
		t.Error("want an error for an unknown node")
	}

	spec.Agent.Join, spec.Agent.Encrypt = JoinMDNS, false
	l = New(t.TempDir(), spec)
	s := l.AgentSettings([]byte("k"))
	if s.Discover != spec.Name || s.EncryptKey != nil {
		t.Errorf("mdns settings: %+v", s)
	}
	targets, _ = l.AgentTargets(eps)
	if targets[3].Join != nil {
		t.Errorf("mdns target joins %v", targets[3].Join)
	}
}

func TestFindAgentBinaries(t *testing.T) {
	dir := t.TempDir()
	if _, err := FindAgentBinaries(provision.FlavourLabagent, "", dir); err == nil || !strings.Contains(hint.Text(err), "GOARCH=amd64 go build") {
		t.Errorf("empty dir: err = %v", err)
	}
	bin := filepath.Join(dir, AgentBinaryName("amd64"))
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := FindAgentBinaries(provision.FlavourLabagent, "", dir)
	if err != nil || got["amd64"] != bin {
		t.Errorf("found %v, %v", got, err)
	}
	if _, err := FindAgentBinaries(provision.FlavourSerf, "", dir); err == nil || !strings.Contains(hint.Text(err), "--agent-binary") {
		t.Errorf("serf without binary: err = %v", err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	got, err = FindAgentBinaries(provision.FlavourSerf, self, dir)
	if err != nil || len(got) != 1 {
		t.Errorf("ELF binary: %v, %v", got, err)
	}
	notExe := filepath.Join(dir, "x")
	os.WriteFile(notExe, []byte("hello"), 0o644)
	for name, tt := range map[string]struct {
		path       string
		want, hint string
	}{
		// debug/elf's "bad magic number '[104 101 108 108]' in record at byte 0x0" is no help.
		"not ELF": {notExe, notExe + ": not a Linux executable (no ELF header)", "pass a linux binary (GOOS=linux)"},
		"missing": {filepath.Join(dir, "nope"), "no such file", "check the path"},
	} {
		_, err := FindAgentBinaries(provision.FlavourSerf, tt.path, dir)
		if err == nil || !strings.Contains(hint.Text(err), tt.want) || !strings.Contains(hint.Text(err), "\nhint: "+tt.hint) || strings.Contains(hint.Text(err), "magic") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestRenderedConfigLoadsInAgent checks that the config provision writes
// is what labagent reads: its loader rejects unknown keys.
func TestRenderedConfigLoadsInAgent(t *testing.T) {
	spec := DefaultSpec()
	spec.Nodes = 3
	l := New(t.TempDir(), spec)
	eps := []SSHEndpoint{{Node: "web_2", Host: "127.0.0.1", Port: 2301, User: "root", IdentityFile: "/k"}}
	targets, err := l.AgentTargets(eps)
	if err != nil {
		t.Fatal(err)
	}
	targets[0].Tags = map[string]string{"role": "web"}
	data, err := provision.RenderLabagentConfig(provision.Layout{Name: "labagent"}, targets[0], l.AgentSettings(bytes.Repeat([]byte{9}, 32)), "eth1")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "labagent.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	fc, err := agent.LoadConfigFile(path)
	if err != nil {
		t.Fatalf("labagent refuses the rendered config: %v\n%s", err, data)
	}
	cfg := agent.DefaultConfig()
	if err := fc.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.NodeName != "web_2" || cfg.BindAddr != "192.168.56.12" || cfg.AdvertiseAddr != "192.168.56.12" || len(cfg.EncryptKey) != 32 ||
		len(cfg.RetryJoin) != 2 || cfg.Tags["role"] != "web" || cfg.SnapshotPath != "/var/lib/labagent/snapshot" {
		t.Errorf("agent config from the rendered file: %+v", cfg)
	}
}
