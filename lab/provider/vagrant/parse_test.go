package vagrant

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/lab"
)

func TestParseRecord(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Record
		ok   bool
	}{
		{"state", "1795779713,web_1,state,not_created", Record{1795779713, "web_1", "state", []string{"not_created"}}, true},
		{"escaped comma and newlines", `1,,ui,info,a\nb%!(VAGRANT_COMMA) c`, Record{1, "", "ui", []string{"info", "a\nb, c"}}, true},
		{"carriage return", `1,,ui,info,x\ry`, Record{1, "", "ui", []string{"info", "x\ry"}}, true},
		{"several data fields", "1,web_1,metadata,provider,libvirt", Record{1, "web_1", "metadata", []string{"provider", "libvirt"}}, true},
		{"no data", "1,,error-exit", Record{1, "", "error-exit", []string{}}, true},
		{"plain text", "Host default", Record{}, false},
		{"indented ssh-config", "  HostName 127.0.0.1", Record{}, false},
		{"no timestamp", ",web_1,state,running", Record{}, false},
		{"no type", "1,web_1,", Record{}, false},
		{"text with commas", "Vagrant uses the `VBoxManage` binary that ships with VirtualBox, and requires", Record{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseRecord(tt.line)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); ok && diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	ms := func(name, provider, state, short string) MachineStatus {
		return MachineStatus{Name: name, Provider: provider, State: state, Short: short}
	}
	tests := []struct {
		file string
		want []MachineStatus
	}{
		{"status-libvirt-not-created.txt", []MachineStatus{
			ms("web_1", "libvirt", "not_created", "not created"),
			ms("web_2", "libvirt", "not_created", "not created"),
			ms("web_3", "libvirt", "not_created", "not created"),
		}},
		{"status-virtualbox-not-created.txt", []MachineStatus{ms("one", "virtualbox", "not_created", "not created"), ms("two", "virtualbox", "not_created", "not created")}},
		{"status-virtualbox-running.txt", []MachineStatus{ms("one", "virtualbox", "running", "running"), ms("two", "virtualbox", "running", "running")}},
		{"status-virtualbox-running-1machine.txt", []MachineStatus{ms("default", "virtualbox", "running", "running")}},
		{"status-virtualbox-poweroff.txt", []MachineStatus{ms("one", "virtualbox", "poweroff", "poweroff"), ms("two", "virtualbox", "poweroff", "poweroff")}},
		{"status-virtualbox-saved.txt", []MachineStatus{ms("one", "virtualbox", "saved", "saved"), ms("two", "virtualbox", "saved", "saved")}},
		{"status-libvirt-running.txt", []MachineStatus{ms("default", "libvirt", "running", "running")}},
		{"status-libvirt-shutoff.txt", []MachineStatus{ms("default", "libvirt", "shutoff", "shutoff")}},
		{"validate.txt", nil},
		{"status-virtualbox-no-vboxmanage.txt", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := ParseStatus(ParseMachineReadable([]byte(readTestdata(t, tt.file))))
			for i := range got {
				got[i].Long = "" // long texts checked below
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("machines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseStatusUnescapesLongText(t *testing.T) {
	got := ParseStatus(ParseMachineReadable([]byte(readTestdata(t, "status-virtualbox-running.txt"))))
	want := "The VM is running. To stop this VM, you can run `vagrant halt` to\nshut it down forcefully, or you can run `vagrant suspend` to simply\nsuspend the virtual machine. In either case, to restart it again,\nsimply run `vagrant up`."
	if got[0].Long != want {
		t.Errorf("long = %q, want %q", got[0].Long, want)
	}
}

func TestNodeState(t *testing.T) {
	tests := map[string]lab.NodeState{
		"running": lab.StateRunning, "not_created": lab.StateNotCreated,
		"poweroff": lab.StateHalted, "aborted": lab.StateHalted, "saved": lab.StateHalted,
		"paused": lab.StateHalted, "gurumeditation": lab.StateHalted, "shutoff": lab.StateHalted,
		"pmsuspended": lab.StateHalted, "crashed": lab.StateHalted,
		"inaccessible": lab.StateUnknown, "preparing": lab.StateUnknown, "shutting_down": lab.StateUnknown,
		"saving": lab.StateUnknown, "stopping": lab.StateUnknown, "stuck": lab.StateUnknown, "": lab.StateUnknown,
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := NodeState(in); got != want {
				t.Errorf("NodeState(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestParseSSHConfig(t *testing.T) {
	opts := map[string]string{
		"UserKnownHostsFile": "/dev/null", "StrictHostKeyChecking": "no", "PasswordAuthentication": "no",
		"IdentitiesOnly": "yes", "LogLevel": "FATAL",
	}
	withAgent := map[string]string{"ForwardAgent": "yes"}
	for k, v := range opts {
		withAgent[k] = v
	}
	tests := []struct {
		file string
		want map[string]SSHConfig
	}{
		{"ssh-config-virtualbox-machine-readable.txt", map[string]SSHConfig{
			"default": {Host: "default", HostName: "127.0.0.1", Port: 2222, User: "core",
				IdentityFiles: []string{"/Users/user/.vagrant.d/insecure_private_key"}, Options: withAgent},
		}},
		{"ssh-config-multi.txt", map[string]SSHConfig{
			"node1": {Host: "node1", HostName: "127.0.0.1", Port: 2222, User: "vagrant",
				IdentityFiles: []string{"/home/xxxxxx/centos7/.vagrant/machines/node1/virtualbox/private_key"}, Options: opts},
			"node2": {Host: "node2", HostName: "127.0.0.1", Port: 2200, User: "vagrant",
				IdentityFiles: []string{"/home/xxxxxx/centos7/.vagrant/machines/node2/virtualbox/private_key"}, Options: opts},
		}},
		{"ssh-config-quoted-template.txt", map[string]SSHConfig{
			"web_1": {Host: "web_1", HostName: "127.0.0.1", Port: 2300, User: "vagrant",
				IdentityFiles: []string{
					"/home/dev user/gossip lab/.vagrant/machines/web_1/virtualbox/private_key",
					"/home/dev user/.vagrant.d/insecure_private_key",
				}, Options: opts},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseSSHConfigOutput([]byte(readTestdata(t, tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("configs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSSHConfigBad(t *testing.T) {
	tests := map[string]string{
		"keyword before Host": "  HostName 127.0.0.1\n",
		"bad port":            "Host a\n  HostName 127.0.0.1\n  Port twenty\n",
		"no port":             "Host a\n  HostName 127.0.0.1\n",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseSSHConfig(in); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestEndpointTakesFirstIdentityFile(t *testing.T) {
	cfgs, err := ParseSSHConfig(readTestdata(t, "ssh-config-quoted-template.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got := cfgs[0].Endpoint("web_1")
	want := lab.SSHEndpoint{Node: "web_1", Host: "127.0.0.1", Port: 2300, User: "vagrant",
		IdentityFile: "/home/dev user/gossip lab/.vagrant/machines/web_1/virtualbox/private_key"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("endpoint (-want +got):\n%s", diff)
	}
}

func TestParsePlugins(t *testing.T) {
	got := ParsePlugins(ParseMachineReadable([]byte(readTestdata(t, "plugin-list.txt"))))
	if diff := cmp.Diff(map[string]string{"vagrant-libvirt": "0.11.2, system"}, got); diff != "" {
		t.Errorf("plugins (-want +got):\n%s", diff)
	}
}

func TestParseVersions(t *testing.T) {
	v, err := ParseVagrantVersion(readTestdata(t, "version.txt"))
	if err != nil || v.String() != "2.3.4" {
		t.Errorf("vagrant version = %v, %v; want 2.3.4", v, err)
	}
	for in, want := range map[string]string{
		"7.0.14r161095\n":        "7.0.14",
		"6.1.38_Ubuntur153438\n": "6.1.38",
		"WARNING: The vboxdrv kernel module is not loaded.\n7.1.4r165100\n": "7.1.4",
	} {
		v, err := ParseVBoxManageVersion(in)
		if err != nil || v.String() != want {
			t.Errorf("VBoxManage version of %q = %v, %v; want %s", in, v, err, want)
		}
	}
	if _, err := ParseVagrantVersion("command not found"); err == nil {
		t.Error("no error for garbage")
	}
}
