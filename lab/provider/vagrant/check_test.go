package vagrant

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/internal/hint"
)

func TestCheck(t *testing.T) {
	version := "Vagrant 2.3.4\n"
	tests := []struct {
		name     string
		provider string
		replies  map[string]reply
		noVBox   bool // VBoxManage not on PATH
		noSocket bool // no libvirt socket
		noBinary bool // vagrant not on PATH
		wantErr  string
	}{
		{name: "virtualbox ok", provider: "virtualbox",
			replies: map[string]reply{"--version": {out: version}, "VBoxManage --version": {out: "7.0.14r161095\n"}}},
		{name: "VBoxManage broken", provider: "virtualbox",
			replies: map[string]reply{"--version": {out: version}, "VBoxManage --version": {out: "WARNING: The vboxdrv kernel module is not loaded.", fail: true}},
			wantErr: "vboxconfig"},
		{name: "vagrant missing", provider: "virtualbox", noBinary: true,
			wantErr: "hint: install Vagrant 2.2.19 or later"},
		{name: "vagrant too old", provider: "virtualbox",
			replies: map[string]reply{"--version": {out: "Vagrant 2.2.18\n"}},
			wantErr: "vagrant 2.2.18 is too old"},
		{name: "VBoxManage missing", provider: "virtualbox", noVBox: true,
			replies: map[string]reply{"--version": {out: version}},
			wantErr: "hint: install VirtualBox"},
		{name: "libvirt ok", provider: "libvirt",
			replies: map[string]reply{"--version": {out: version}, "plugin list --machine-readable": {out: readTestdata(t, "plugin-list.txt")}}},
		{name: "libvirt plugin missing", provider: "libvirt",
			replies: map[string]reply{"--version": {out: version}, "plugin list --machine-readable": {out: ""}},
			wantErr: "apt-get install vagrant-libvirt"},
		{name: "libvirt daemon missing", provider: "libvirt", noSocket: true,
			replies: map[string]reply{"--version": {out: version}, "plugin list --machine-readable": {out: readTestdata(t, "plugin-list.txt")}},
			wantErr: "systemctl start libvirtd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{replies: tt.replies}
			p := newTestProvider(t, tt.provider, r)
			p.lookPath = func(s string) (string, error) {
				if (s == "VBoxManage" && tt.noVBox) || (s == "vagrant" && tt.noBinary) {
					return "", errors.New("not found")
				}
				return "/usr/bin/" + s, nil
			}
			p.fileExists = func(string) bool { return !tt.noSocket }
			err := p.Check(context.Background())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(hint.Text(err), tt.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestCheckVirtualBoxNeedsNewerVagrant(t *testing.T) {
	tests := []struct {
		vagrant, vbox string
		ok            bool
	}{
		{"2.3.4", "6.1.50r161033", true},
		{"2.3.4", "7.0.14r161095", true},
		{"2.3.1", "7.0.14r161095", false},
		{"2.3.4", "7.1.4r165100", false},
		{"2.4.2", "7.1.4r165100", true},
	}
	for _, tt := range tests {
		t.Run(tt.vagrant+"+"+tt.vbox, func(t *testing.T) {
			r := &recorder{replies: map[string]reply{
				"--version":            {out: "Vagrant " + tt.vagrant + "\n"},
				"VBoxManage --version": {out: tt.vbox + "\n"},
			}}
			p := newTestProvider(t, "virtualbox", r)
			err := p.Check(context.Background())
			if (err == nil) != tt.ok {
				t.Errorf("err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
