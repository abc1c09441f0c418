package provision

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// fakeAgent writes a shell script that behaves like the agent binary:
// `version` prints the version, `agent` runs until killed (or, broken,
// exits at once).
func fakeAgent(t *testing.T, name, ver string, broken bool) string {
	t.Helper()
	run := "exec sleep 100000"
	if broken {
		run = "echo 'cannot bind' >&2; exit 1"
	}
	script := fmt.Sprintf("#!/bin/sh\n# fake %s %s\ncase \"$1\" in\nversion) echo '%s v%s (protocol 1)' ;;\nagent) %s ;;\nesac\n", name, ver, name, ver, run)
	path := filepath.Join(t.TempDir(), name+"-linux-amd64")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

type provFixture struct {
	t     *testing.T
	sshd  *testSSHD
	root  string
	hosts *KnownHosts
}

func newProvFixture(t *testing.T, o sshdOptions, root string) *provFixture {
	t.Helper()
	needRootSSHD(t)
	if root == "" {
		root = t.TempDir()
	}
	f := &provFixture{t: t, root: root, hosts: NewKnownHosts(filepath.Join(t.TempDir(), "known_hosts"))}
	f.sshd = startSSHD(t, o)
	t.Cleanup(func() {
		for _, name := range []string{"labagent", "serf"} {
			if pid := f.pid(name); pid > 0 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	return f
}

func (f *provFixture) layout(name string) Layout { return Layout{Root: f.root, Name: name} }

// pid is the running agent's pid, or 0.
func (f *provFixture) pid(name string) int {
	data, err := os.ReadFile(f.layout(name).PIDFile())
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	if pid > 0 && syscall.Kill(pid, 0) != nil {
		return 0
	}
	return pid
}

func (f *provFixture) options(bin, ver string) Options {
	return Options{
		Bundle:   Bundle{Flavour: FlavourLabagent, Version: ver, Binaries: map[string]string{"amd64": bin}},
		Agent:    AgentSettings{Profile: "lan", EncryptKey: bytes.Repeat([]byte{1}, 32)},
		HostKeys: f.hosts,
		Dial:     quickDial(),
		Root:     f.root,
		Init:     InitNone,
		Parallel: 4,
	}
}

func (f *provFixture) target(node string) Target {
	return Target{Endpoint: f.sshd.endpoint(node), IP: "127.0.0.1", Join: []string{"127.0.0.2"}, Tags: map[string]string{"role": "web"}}
}

// run provisions web_1 and checks the action (and error text, if any).
func (f *provFixture) run(o Options, want Action, wantErr ...string) Result {
	f.t.Helper()
	p, err := New(o)
	if err != nil {
		f.t.Fatal(err)
	}
	res := p.Run(context.Background(), []Target{f.target("web_1")})
	r := res[0]
	if r.Err != nil {
		f.t.Logf("%s: %v", r.Action, r.Err)
	}
	if r.Action != want {
		f.t.Fatalf("action = %s (err %v), want %s", r.Action, r.Err, want)
	}
	for _, w := range wantErr {
		if r.Err == nil || !strings.Contains(hint.Text(r.Err), w) {
			f.t.Errorf("error should contain %q:\n%v", w, r.Err)
		}
	}
	if len(wantErr) == 0 && r.Err != nil {
		f.t.Fatalf("unexpected error: %v", r.Err)
	}
	return r
}

func (f *provFixture) readFile(path string) string {
	f.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		f.t.Fatal(err)
	}
	return string(data)
}

// noTempFiles checks that no upload is left behind in dir.
func (f *provFixture) noTempFiles(dir string) {
	f.t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".lab-") {
			f.t.Errorf("left behind: %s", filepath.Join(dir, e.Name()))
		}
	}
}

func TestProvisionRootSSHDInstallThenUnchanged(t *testing.T) {
	f := newProvFixture(t, sshdOptions{}, "")
	bin := fakeAgent(t, "labagent", "0.1.0", false)
	o := f.options(bin, "0.1.0")
	r := f.run(o, ActionInstalled)
	l := f.layout("labagent")
	if r.Facts.Iface != "lo" || r.Facts.Arch != "amd64" || r.Version != "0.1.0" || r.SSHOverhead <= 0 {
		t.Errorf("result: iface %q arch %q version %q overhead %v", r.Facts.Iface, r.Facts.Arch, r.Version, r.SSHOverhead)
	}
	if got := f.readFile(l.Binary()); got != f.readFile(bin) {
		t.Errorf("installed binary differs from the bundle")
	}
	conf := f.readFile(l.Config())
	for _, want := range []string{`"node_name": "web_1"`, `"bind": "127.0.0.1"`, `"retry_join": [`, `"encrypt_key": "AQEB`} {
		if !strings.Contains(conf, want) {
			t.Errorf("config lacks %s:\n%s", want, conf)
		}
	}
	if st, _ := os.Stat(l.Config()); st.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v, want 0600 (it holds the gossip key)", st.Mode().Perm())
	}
	if rc := f.readFile(l.RCLocal()); !strings.Contains(rc, l.ServiceFile(InitNone)+" start") {
		t.Errorf("rc.local lacks the entry:\n%s", rc)
	}
	pid := f.pid("labagent")
	if pid == 0 {
		t.Fatal("agent not running after install")
	}
	f.noTempFiles(l.BinDir())
	f.noTempFiles(l.ConfDir())
	before, _ := os.Stat(l.Binary())

	r = f.run(o, ActionUnchanged)
	if f.pid("labagent") != pid {
		t.Error("the agent was restarted on an unchanged run")
	}
	after, _ := os.Stat(l.Binary())
	if !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
		t.Error("the binary was touched on an unchanged run")
	}
	if rc := f.readFile(l.RCLocal()); strings.Count(rc, "labagent.init start") != 1 {
		t.Errorf("rc.local entry duplicated:\n%s", rc)
	}

	// Stopped agent, same files: started, not reinstalled.
	_ = syscall.Kill(pid, syscall.SIGKILL)
	time.Sleep(50 * time.Millisecond)
	f.run(o, ActionStarted)
	if f.pid("labagent") == 0 {
		t.Error("agent not started")
	}
}

func TestProvisionRootSSHDConfigChangeRestarts(t *testing.T) {
	f := newProvFixture(t, sshdOptions{}, "")
	bin := fakeAgent(t, "labagent", "0.1.0", false)
	o := f.options(bin, "0.1.0")
	f.run(o, ActionInstalled)
	pid := f.pid("labagent")
	o.Agent.Profile = "wan"
	f.run(o, ActionReconfigured)
	if !strings.Contains(f.readFile(f.layout("labagent").Config()), `"profile": "wan"`) {
		t.Error("config not rewritten")
	}
	if np := f.pid("labagent"); np == 0 || np == pid {
		t.Errorf("agent not restarted (pid %d -> %d)", pid, np)
	}
	f.run(o, ActionUnchanged)
}

func TestProvisionRootSSHDVersions(t *testing.T) {
	f := newProvFixture(t, sshdOptions{}, "")
	v2 := fakeAgent(t, "labagent", "0.2.0", false)
	f.run(f.options(v2, "0.2.0"), ActionInstalled)
	l := f.layout("labagent")

	v1 := fakeAgent(t, "labagent", "0.1.0", false)
	r := f.run(f.options(v1, "0.1.0"), ActionKeptNewer)
	if r.Version != "0.2.0" || !strings.Contains(f.readFile(l.Binary()), "0.2.0") {
		t.Errorf("newer agent not left alone: version %s", r.Version)
	}
	forced := f.options(v1, "0.1.0")
	forced.Force = true
	f.run(forced, ActionUpgraded)
	if !strings.Contains(f.readFile(l.Binary()), "0.1.0") {
		t.Error("--force did not replace the newer agent")
	}
	v3 := fakeAgent(t, "labagent", "0.3.0", false)
	r = f.run(f.options(v3, "0.3.0"), ActionUpgraded)
	if r.Version != "0.3.0" || f.pid("labagent") == 0 {
		t.Errorf("upgrade: version %s, running %v", r.Version, f.pid("labagent") != 0)
	}
	// A bundle that lies about its version is caught before the rename.
	f.run(f.options(fakeAgent(t, "labagent", "0.4.0", false), "0.5.0"), ActionFailed, "reports version 0.4.0, the bundle says 0.5.0")
	if !strings.Contains(f.readFile(l.Binary()), "0.3.0") {
		t.Error("a rejected binary was installed")
	}
	f.noTempFiles(l.BinDir())
}

func TestProvisionRootSSHDSysV(t *testing.T) {
	f := newProvFixture(t, sshdOptions{}, "")
	o := f.options(fakeAgent(t, "labagent", "0.1.0", false), "0.1.0")
	o.Init = InitSysV
	f.run(o, ActionInstalled)
	l := f.layout("labagent")
	if !strings.Contains(f.readFile(l.ServiceFile(InitSysV)), "### BEGIN INIT INFO") || f.pid("labagent") == 0 {
		t.Error("init script not installed or agent not started")
	}
	f.run(o, ActionUnchanged)
}

func TestProvisionRootSSHDSerf(t *testing.T) {
	f := newProvFixture(t, sshdOptions{}, "")
	serf := fakeAgent(t, "serf", "0.10.1", false)
	o := f.options(serf, "")
	o.Bundle.Flavour, o.Bundle.Constraint = FlavourSerf, ">= 0.11"
	f.run(o, ActionFailed, "serf 0.10.1 does not meet the version constraint")
	l := f.layout("serf")
	if _, err := os.Stat(l.Binary()); err == nil {
		t.Error("a serf outside the constraint was installed")
	}
	o.Bundle.Constraint = ">= 0.8, < 0.11"
	f.run(o, ActionInstalled)
	svc := f.readFile(l.ServiceFile(InitNone))
	for _, want := range []string{"serf agent -node=web_1 -bind=127.0.0.1 -advertise=127.0.0.1", "-retry-join=127.0.0.2", "-config-file=" + l.Config(), "-tag=role=web"} {
		if !strings.Contains(svc, want) {
			t.Errorf("serf command line lacks %q:\n%s", want, svc)
		}
	}
	// The gossip key is not on the command line, which ps shows to every
	// user of the node: it is in a config file only root reads.
	if strings.Contains(svc, "-encrypt") {
		t.Errorf("serf's command line holds the gossip key:\n%s", svc)
	}
	if st, err := os.Stat(l.Config()); err != nil || st.Mode().Perm() != 0o600 || !strings.Contains(f.readFile(l.Config()), `"encrypt_key": "AQEB`) {
		t.Errorf("serf's config file with the gossip key, mode 0600: %v, %v\n%s", err, st, f.readFile(l.Config()))
	}
	if f.pid("serf") == 0 {
		t.Error("serf not running")
	}
	f.run(o, ActionUnchanged)
}

func TestProvisionRootSSHDParallelOneFailureDoesNotStopOthers(t *testing.T) {
	f := newProvFixture(t, sshdOptions{}, "")
	o := f.options(fakeAgent(t, "labagent", "0.1.0", false), "0.1.0")
	o.Dial.Timeout = 500 * time.Millisecond
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	down := f.target("web_2")
	down.Endpoint.Port = freePort(t)
	res := p.Run(context.Background(), []Target{f.target("web_1"), down})
	if res[0].Action != ActionInstalled || res[1].Action != ActionFailed {
		t.Fatalf("actions %s, %s (errors %v; %v)", res[0].Action, res[1].Action, res[0].Err, res[1].Err)
	}
	var table bytes.Buffer
	if err := WriteTable(&table, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"NODE", "web_1  installed  0.1.0", "web_2  failed", "gave up after", "2 nodes: 1 installed, 1 failed"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	err = Failed(res)
	if err == nil || !strings.Contains(err.Error(), "provisioning failed on 1 of 2 nodes (web_2)") {
		t.Errorf("Failed = %v", err)
	}
}

// A non-root login (Vagrant's "vagrant"): uploads are staged in /tmp and
// copied into place with sudo; "env" stands in for sudo here.
func TestProvisionRootSSHDNonRootLoginStagesAndSudoes(t *testing.T) {
	f := newProvFixture(t, sshdOptions{}, "")
	o := f.options(fakeAgent(t, "labagent", "0.1.0", false), "0.1.0")
	var staged []string
	o.sudo = "env "
	o.afterUpload = func(path string) { staged = append(staged, path) }
	f.run(o, ActionInstalled)
	for _, p := range staged {
		if !strings.HasPrefix(p, "/tmp/.lab-upload-") {
			t.Errorf("staged at %s, want /tmp", p)
		}
		if _, err := os.Stat(p); err == nil {
			t.Errorf("staged file left: %s", p)
		}
	}
	l := f.layout("labagent")
	if !strings.Contains(f.readFile(l.Binary()), "0.1.0") || f.pid("labagent") == 0 {
		t.Error("not installed and running")
	}
	f.noTempFiles(l.BinDir())
	f.run(o, ActionUnchanged)
}
