package vagrantgen

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/internal/golden"
)

// testLab builds a lab of n machines the way package lab resolves one.
func testLab(n int, provider string) Lab {
	l := Lab{
		Name: "gossip", Provider: provider, Box: "debian/bookworm64", MemoryMB: 512, CPUs: 1,
		LinkedClone: true, Subnet: netip.MustParsePrefix("192.168.56.0/21"),
	}
	if provider == "libvirt" {
		l.Libvirt.Driver = "kvm"
	}
	base := netip.MustParseAddr("192.168.56.11").As4()
	for i := 0; i < n; i++ {
		a := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3]) + uint32(i)
		l.Machines = append(l.Machines, Machine{
			Name:     fmt.Sprintf("web_%d", i+1),
			Hostname: fmt.Sprintf("web-%d", i+1),
			IP:       netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}),
			SSHPort:  2300 + i,
		})
	}
	return l
}

func TestRenderGolden(t *testing.T) {
	for _, provider := range []string{"virtualbox", "libvirt"} {
		for _, n := range []int{1, 3, 52} {
			name := fmt.Sprintf("%s-%d.Vagrantfile", provider, n)
			t.Run(name, func(t *testing.T) {
				got, err := Render(testLab(n, provider))
				if err != nil {
					t.Fatal(err)
				}
				golden.Check(t, name, got)
				again, _ := Render(testLab(n, provider))
				if !bytes.Equal(got, again) {
					t.Error("rendering twice gave different bytes")
				}
			})
		}
	}
}

// qemuLab is a libvirt lab of the gossiplab box under software
// emulation, with every libvirt setting given.
func qemuLab(n int) Lab {
	l := testLab(n, "libvirt")
	l.Box, l.MemoryMB, l.Guest = "gossiplab/bookworm", 256, "debian"
	l.Libvirt = Libvirt{Driver: "qemu", TCGCacheMB: 64, URI: "qemu:///system", ManagementName: "lab-mgmt", ManagementAddress: "192.168.122.0/24"}
	return l
}

func TestRenderLibvirtQEMUGolden(t *testing.T) {
	got, err := Render(qemuLab(3))
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "libvirt-qemu-3.Vagrantfile", got)
}

func TestRenderBoxVersion(t *testing.T) {
	l := testLab(1, "virtualbox")
	l.BoxVersion = ">= 12.0, < 13"
	got, err := Render(l)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, []byte(`config.vm.box_version = '>= 12.0, < 13'`)) {
		t.Errorf("box_version missing:\n%s", got)
	}
}

func TestRenderRefusesRuby(t *testing.T) {
	tests := []struct {
		name  string
		apply func(*Lab)
	}{
		{"box with ruby", func(l *Lab) { l.Box = `x"; system("id"); "` }},
		{"box with interpolation", func(l *Lab) { l.Box = `#{system("id")}` }},
		{"machine name with quote", func(l *Lab) { l.Machines[0].Name = `web'1` }},
		{"machine name with newline", func(l *Lab) { l.Machines[0].Name = "web\nsystem('id')" }},
		{"hostname with underscore", func(l *Lab) { l.Machines[0].Hostname = "web_1" }},
		{"box version with quote", func(l *Lab) { l.BoxVersion = `1'; system('id'); '` }},
		{"lab name with space", func(l *Lab) { l.Name = "my lab" }},
		{"duplicate port", func(l *Lab) { l.Machines[1].SSHPort = l.Machines[0].SSHPort }},
		{"unknown guest", func(l *Lab) { l.Guest = "windows" }},
		{"unknown driver", func(l *Lab) { l.Provider, l.Libvirt.Driver = "libvirt", "xen" }},
		{"tcg cache under kvm", func(l *Lab) { l.Provider, l.Libvirt = "libvirt", Libvirt{Driver: "kvm", TCGCacheMB: 64} }},
		{"uri with quote", func(l *Lab) {
			l.Provider, l.Libvirt = "libvirt", Libvirt{Driver: "kvm", URI: "qemu:///system'; system('id')"}
		}},
		{"management name with space", func(l *Lab) { l.Provider, l.Libvirt = "libvirt", Libvirt{Driver: "kvm", ManagementName: "a b"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := testLab(2, "virtualbox")
			tt.apply(&l)
			if out, err := Render(l); err == nil {
				t.Fatalf("rendered without error:\n%s", out)
			}
		})
	}
}

func TestRubyString(t *testing.T) {
	tests := map[string]string{
		`plain`:        `'plain'`,
		`it's`:         `'it\'s'`,
		`back\slash`:   `'back\\slash'`,
		`#{interp}`:    `'#{interp}'`, // single quotes: no interpolation in Ruby
		`\'; system()`: `'\\\'; system()'`,
	}
	for in, want := range tests {
		if got := rubyString(in); got != want {
			t.Errorf("rubyString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestInspect(t *testing.T) {
	gen, err := Render(testLab(3, "virtualbox"))
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(gen, []byte("vb.memory = 512"), []byte("vb.memory = 2048"), 1)
	tests := []struct {
		name string
		data []byte
		want Origin
	}{
		{"as generated", gen, Generated},
		{"edited body", edited, Edited},
		{"user's own file", []byte("Vagrant.configure(\"2\") do |config|\nend\n"), Foreign},
		{"empty", nil, Foreign},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Inspect(tt.data); got != tt.want {
				t.Errorf("Inspect = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestVagrantValidate runs the real `vagrant validate` on generated files.
func TestVagrantValidate(t *testing.T) {
	if _, err := exec.LookPath("vagrant"); err != nil {
		t.Skip("vagrant is not installed (CI installs Debian's vagrant package): " + err.Error())
	}
	for _, tc := range []struct {
		n        int
		provider string
	}{{1, "virtualbox"}, {52, "virtualbox"}, {250, "virtualbox"}, {52, "libvirt"}, {3, "libvirt-qemu"}} {
		t.Run(fmt.Sprintf("%s-%d", tc.provider, tc.n), func(t *testing.T) {
			dir := t.TempDir()
			l := testLab(tc.n, tc.provider)
			if tc.provider == "libvirt-qemu" {
				l = qemuLab(tc.n)
			}
			data, err := Render(l)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "Vagrantfile"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := execx.Exec{}.Run(context.Background(), execx.Cmd{
				Args: []string{"vagrant", "validate", "--ignore-provider"},
				Dir:  dir,
				Env:  []string{"VAGRANT_HOME=" + filepath.Join(dir, ".vagrant.d"), "VAGRANT_CHECKPOINT_DISABLE=1"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), "validated successfully") {
				t.Errorf("vagrant validate said:\n%s", out)
			}
			// The file declares exactly n machines with distinct ports and IPs.
			defs := regexp.MustCompile(`config\.vm\.define '`).FindAll(data, -1)
			if len(defs) != tc.n {
				t.Errorf("%d machines defined, want %d", len(defs), tc.n)
			}
			ssh := regexp.MustCompile(`host: (\d+), host_ip: "127.0.0.1", id: "ssh"`).FindAllSubmatch(data, -1)
			ports := map[string]bool{}
			for _, m := range ssh {
				ports[string(m[1])] = true
			}
			if len(ports) != tc.n {
				t.Errorf("%d distinct SSH ports with id ssh, want %d", len(ports), tc.n)
			}
		})
	}
}
