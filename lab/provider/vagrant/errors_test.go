package vagrant

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/internal/execx"
)

func TestErrorsFromRecordedOutput(t *testing.T) {
	tests := []struct {
		file        string
		op          string
		machineRead bool // the output is --machine-readable records
		wantClass   string
		wantMsg     string // a piece of Vagrant's message, unescaped
		wantHint    string
	}{
		{"up-virtualbox-no-vboxmanage.txt", "up", true, "Vagrant::Errors::ProviderNotUsable",
			"binary that ships with VirtualBox, and requires", "install VirtualBox so that VBoxManage is on PATH"},
		{"status-virtualbox-no-vboxmanage.txt", "status", true, "Vagrant::Errors::ProviderNotUsable",
			"Vagrant could not detect VirtualBox!", "install VirtualBox"},
		{"up-libvirt-no-daemon.txt", "up", true, "Vagrant::Errors::BatchMultiError",
			"Failed to connect socket to '/var/run/libvirt/libvirt-sock'", "systemctl start libvirtd"},
		{"ssh-config-not-created.txt", "ssh-config", true, "Vagrant::Errors::SSHNotReady",
			"Additionally, check the output of `vagrant status`", "the node is not running: lab up NODE"},
		{"status-machine-not-found.txt", "status", true, "Vagrant::Errors::MachineNotFound",
			"The machine with the name 'nosuch' was not found", "lab init --force"},
		{"status-no-vagrantfile.txt", "status", true, "Vagrant::Errors::NoEnvironmentError",
			"A Vagrant environment or target machine is required", "there is no Vagrantfile in /lab: run lab init there"},
		{"up-hostonly-range.txt", "up", false, "",
			"Address: 192.168.50.4", `add the line "* 192.168.48.0/21" to /etc/vbox/networks.conf`},
		{"up-box-not-found.txt", "up", false, "",
			"The box 'higebu/vyos-1.1.4' could not be found", "check the box name (box in lab.hcl)"},
	}
	// A lab on 192.168.48.0/21, where the recorded refused address lies.
	hc := hintContext{provider: "virtualbox", subnet: netip.MustParsePrefix("192.168.48.0/21"), dir: "/lab"}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out := readTestdata(t, tt.file)
			xe := &execx.Error{Args: []string{"vagrant", tt.op}, Output: strings.TrimSpace(out), Err: errors.New("exit status 1")}
			var stdout []byte
			if tt.machineRead {
				stdout = []byte(out)
			}
			e := newError(tt.op, []string{"web_1"}, stdout, xe, hc)
			if e.Class != tt.wantClass {
				t.Errorf("class = %q, want %q", e.Class, tt.wantClass)
			}
			if !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("message lacks %q:\n%s", tt.wantMsg, e.Message)
			}
			if !strings.Contains(e.Hint(), tt.wantHint) {
				t.Errorf("hint = %q, want it to contain %q", e.Hint(), tt.wantHint)
			}
			if strings.Contains(e.Error(), "VAGRANT_COMMA") || (tt.machineRead && strings.Contains(e.Error(), `\n`)) {
				t.Errorf("error shows Vagrant's escapes:\n%v", e)
			}
			if !errors.Is(e, xe) {
				t.Error("error does not wrap the execx error")
			}
		})
	}
}

func TestHostOnlyHintOutsideLabSubnet(t *testing.T) {
	for name, hc := range map[string]hintContext{
		"no subnet known":        {},
		"address outside subnet": {subnet: netip.MustParsePrefix("10.9.0.0/16")},
	} {
		t.Run(name, func(t *testing.T) {
			got := hintFor("", readTestdata(t, "up-hostonly-range.txt"), hc)
			if !strings.Contains(got, `"* 192.168.50.0/24"`) {
				t.Errorf("hint = %q, want the /24 around the refused address", got)
			}
		})
	}
}

func TestErrorShowsCommandToRerun(t *testing.T) {
	xe := &execx.Error{Args: []string{"vagrant", "up", "--provider=virtualbox", "--machine-readable", "web_1"}, Err: errors.New("exit status 1")}
	e := newError("up", []string{"web_1"}, []byte(readTestdata(t, "up-virtualbox-no-vboxmanage.txt")), xe, hintContext{})
	if !strings.HasPrefix(e.Error(), "vagrant up --provider=virtualbox web_1 failed:\n    The provider 'virtualbox' that was requested") {
		t.Errorf("error:\n%v", e)
	}
}
