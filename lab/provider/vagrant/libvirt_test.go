package vagrant

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/lab"
)

func TestHasHWVirt(t *testing.T) {
	tests := map[string]bool{
		"flags\t\t: fpu vme de pse hypervisor lahf_lm\n":    false, // a VM without nested virtualisation (kvm_pvm's host)
		"flags\t\t: fpu vme vmx ept\nflags : fpu\n":         true,
		"model name : AMD\nflags\t\t: fpu svm npt\n":        true,
		"vmx flags\t: vnmi preemption_timer\nflags : fpu\n": false, // "vmx flags" is not the flags line
	}
	for in, want := range tests {
		if got := hasHWVirt(in); got != want {
			t.Errorf("hasHWVirt(%q) = %v, want %v", in, got, want)
		}
	}
}

// Which driver applies, in lab plan (driverCheck) and lab doctor
// (HostChecks), on a host with and without usable KVM.
func TestDriverCheck(t *testing.T) {
	noKVM := kvmHost{HWVirt: false}
	noDev := kvmHost{DevErr: errors.New("open /dev/kvm: no such file or directory"), HWVirt: true}
	kvm := kvmHost{HWVirt: true}
	tests := []struct {
		name   string
		driver string
		host   kvmHost
		ok     bool
		detail string
		fix    string
	}{
		{"kvm where it works", "", kvm, true, "kvm: KVM is usable", ""},
		{"kvm without vmx", "kvm", noKVM, false, "no vmx or svm flag", `set driver = "qemu"`},
		{"kvm without /dev/kvm", "", noDev, false, "no such file", `set driver = "qemu"`},
		{"qemu without KVM", "qemu", noKVM, true, "qemu (software emulation, 64 MB translation cache per VM)", ""},
		{"qemu although KVM works", "qemu", kvm, true, `driver = "kvm" boots and runs several times faster`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := lab.DefaultSpec()
			spec.Provider, spec.Libvirt.Driver = lab.ProviderLibvirt, tt.driver
			c := driverCheck(spec, tt.host)
			if c.OK != tt.ok || !strings.Contains(c.Detail, tt.detail) || !strings.Contains(c.Fix, tt.fix) {
				t.Errorf("driverCheck = %+v, want ok %v, detail with %q, fix with %q", c, tt.ok, tt.detail, tt.fix)
			}
		})
	}
	p := &Provider{name: lab.ProviderLibvirt, kvmHost: &noKVM}
	if got := p.HostChecks(context.Background()); len(got) != 1 || !strings.HasPrefix(got[0].Detail, `driver = "qemu" applies`) {
		t.Errorf("HostChecks without KVM = %+v", got)
	}
}

// The plan's cost of one VM: guest memory + qemu + (qemu driver) the
// translation cache; VirtualBox's own overhead.
func TestFootprintPerHypervisor(t *testing.T) {
	tests := []struct {
		name     string
		provider string
		libvirt  lab.LibvirtSpec
		wantMB   int
	}{
		{"libvirt tcg default cache", lab.ProviderLibvirt, lab.LibvirtSpec{Driver: lab.DriverQEMU}, 256 + 50 + 64},
		{"libvirt tcg 32 MB cache", lab.ProviderLibvirt, lab.LibvirtSpec{Driver: lab.DriverQEMU, TCGCacheMB: 32}, 256 + 50 + 32},
		{"libvirt kvm", lab.ProviderLibvirt, lab.LibvirtSpec{}, 256 + 50},
		{"virtualbox", lab.ProviderVirtualBox, lab.LibvirtSpec{}, 256 + 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := lab.DefaultSpec()
			spec.Provider, spec.MemoryMB, spec.Libvirt = tt.provider, 256, tt.libvirt
			p := &Provider{name: tt.provider}
			if got := p.Footprint(spec).NodeCostMB(spec); got != tt.wantMB {
				t.Errorf("node cost %d MB, want %d", got, tt.wantMB)
			}
		})
	}
}

// A new libvirt lab: the gossiplab box, 256 MB, driver qemu without KVM;
// what the user gave stays.
func TestNewLabDefaults(t *testing.T) {
	noKVM := kvmHost{}
	p := &Provider{name: lab.ProviderLibvirt, kvmHost: &noKVM}
	spec := lab.DefaultSpec()
	notes := p.NewLabDefaults(context.Background(), &spec, func(f string) bool { return f == "memory" })
	if spec.Box != "gossiplab/bookworm" || spec.MemoryMB != lab.DefaultSpec().MemoryMB || spec.Libvirt.Driver != lab.DriverQEMU || len(notes) != 2 {
		t.Errorf("defaults: box %s, memory %d, driver %q, notes %q", spec.Box, spec.MemoryMB, spec.Libvirt.Driver, notes)
	}
	kvm := kvmHost{HWVirt: true}
	p.kvmHost = &kvm
	spec = lab.DefaultSpec()
	p.NewLabDefaults(context.Background(), &spec, func(f string) bool { return f == "box" })
	if spec.Box != lab.DefaultSpec().Box || spec.MemoryMB != 256 || spec.Libvirt.Driver != "" {
		t.Errorf("with KVM and --box: box %s, memory %d, driver %q", spec.Box, spec.MemoryMB, spec.Libvirt.Driver)
	}
}

// vagrant-libvirt's ssh-config names the management address and port 22;
// lab connects through the forward it declared, with ssh-config's key.
func TestLibvirtEndpointUsesTheForward(t *testing.T) {
	spec := lab.DefaultSpec()
	spec.Provider = lab.ProviderLibvirt
	l := lab.New(t.TempDir(), spec)
	in := lab.SSHEndpoint{Node: "web_2", Host: "192.168.121.57", Port: 22, User: "vagrant", IdentityFile: "/lab/.vagrant/machines/web_2/libvirt/private_key"}
	got := libvirtEndpoint(l, in)
	want := in
	want.Host, want.Port = "127.0.0.1", 2301
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("endpoint (-want +got):\n%s", diff)
	}
}
