package vagrant

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// These tests run the real vagrant binary on things that need no
// hypervisor and no network: version, plugins, status of machines never
// created, halt and destroy of them, ssh-config refused. They never run
// `vagrant up` (it would fetch a box). VAGRANT_HOME is a temp dir and
// VAGRANT_SERVER_URL points at a closed loopback port, so nothing leaves
// the host even by mistake.

func realVagrant(t *testing.T, provider string) (*Provider, context.Context) {
	t.Helper()
	if _, err := exec.LookPath("vagrant"); err != nil {
		t.Skip("vagrant is not on PATH (Debian: apt-get install vagrant); CI installs it")
	}
	t.Setenv("VAGRANT_HOME", t.TempDir())
	t.Setenv("VAGRANT_CHECKPOINT_DISABLE", "1")
	t.Setenv("VAGRANT_BOX_UPDATE_CHECK_DISABLE", "1")
	t.Setenv("VAGRANT_SERVER_URL", "http://127.0.0.1:9")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	p, err := New(Options{Provider: provider, Runner: execx.Exec{}, Parallel: 3})
	if err != nil {
		t.Fatal(err)
	}
	return p, ctx
}

func needLibvirtPlugin(t *testing.T, ctx context.Context, p *Provider) {
	t.Helper()
	out, err := p.run(ctx, "", nil, "vagrant", "plugin", "list", "--machine-readable")
	if err != nil {
		t.Fatalf("vagrant plugin list: %v", err)
	}
	if _, ok := ParsePlugins(ParseMachineReadable(out))["vagrant-libvirt"]; !ok {
		t.Skip("the vagrant-libvirt plugin is not installed (Debian: apt-get install vagrant-libvirt; the vagrant package recommends it)")
	}
}

func TestVagrantRealVersion(t *testing.T) {
	p, ctx := realVagrant(t, "libvirt")
	v, err := p.checkVagrant(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("vagrant %s (minimum %s)", v, MinVersion)
}

func TestVagrantRealCheck(t *testing.T) {
	for _, provider := range []string{"virtualbox", "libvirt"} {
		t.Run(provider, func(t *testing.T) {
			p, ctx := realVagrant(t, provider)
			err := p.Check(ctx)
			if err == nil {
				return // this host can run it
			}
			// Without a hypervisor the error must say what to install.
			if !strings.Contains(hint.Text(err), "hint:") {
				t.Errorf("Check error without a hint: %v", err)
			}
			t.Logf("Check: %v", err)
		})
	}
}

func TestVagrantRealLibvirtLifecycleOfUncreatedLab(t *testing.T) {
	p, ctx := realVagrant(t, "libvirt")
	needLibvirtPlugin(t, ctx, p)
	l := testLab(t, "libvirt", 3)

	st, err := p.Status(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	want := []lab.NodeStatus{
		{Node: "web_1", State: lab.StateNotCreated, Detail: "not_created"},
		{Node: "web_2", State: lab.StateNotCreated, Detail: "not_created"},
		{Node: "web_3", State: lab.StateNotCreated, Detail: "not_created"},
	}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}

	// Halting, forcing and reloading machines that do not exist succeed:
	// Vagrant says "Domain is not created" and exits 0.
	if err := p.Halt(ctx, l, []string{"web_1", "web_2"}, false); err != nil {
		t.Errorf("halt: %v", err)
	}
	if err := p.Halt(ctx, l, []string{"web_3"}, true); err != nil {
		t.Errorf("halt --force: %v", err)
	}
	// Destroy finds nothing created and touches nothing.
	if err := p.Destroy(ctx, l); err != nil {
		t.Errorf("destroy: %v", err)
	}

	// ssh-config is refused with Vagrant's message and a hint.
	_, err = p.SSHEndpoints(ctx, l, []string{"web_1"})
	var ve *Error
	if !errors.As(err, &ve) {
		t.Fatalf("ssh-config err = %v, want *Error", err)
	}
	if ve.Class != "Vagrant::Errors::SSHNotReady" || !strings.Contains(ve.Hint(), "lab up") {
		t.Errorf("ssh-config error: class %q hint %q\n%v", ve.Class, ve.Hint(), err)
	}
}

func TestVagrantRealVirtualBoxStatus(t *testing.T) {
	p, ctx := realVagrant(t, "virtualbox")
	l := testLab(t, "virtualbox", 3)
	st, err := p.Status(ctx, l)
	if _, lookErr := exec.LookPath("VBoxManage"); lookErr == nil {
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range st {
			if s.State != lab.StateNotCreated {
				t.Errorf("%s: %s, want not created", s.Node, s.State)
			}
		}
		return
	}
	// No VirtualBox: Vagrant refuses, and the error carries its message
	// unescaped, with the fix.
	var ve *Error
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want *Error", err)
	}
	for _, want := range []string{"Vagrant could not detect VirtualBox!", "ships with VirtualBox, and requires", "hint: install VirtualBox"} {
		if !strings.Contains(hint.Text(err), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
