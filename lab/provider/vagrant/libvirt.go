package vagrant

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/gossiplab/gossiplab/lab"
)

// What libvirt adds to a VM's guest memory, from the qemu processes
// measured here (docs/vms.md): a 128 MB guest of the gossiplab box under
// driver "qemu" with a 64 MB translation cache had 241 MB resident, a
// 256 MB one 285 MB (a guest does not touch all its memory at once). The
// plan counts the worst case: all guest memory, qemu's own
// (qemuOverheadMB) and, under "qemu", the whole translation cache.
const (
	qemuOverheadMB       = 50
	virtualBoxOverheadMB = 64 // not measured here (no VirtualBox on the test host)
)

// kvmHost is what decides whether KVM can run guests here.
type kvmHost struct {
	// DevErr is why /dev/kvm cannot be opened for reading and writing;
	// nil when it can.
	DevErr error
	// HWVirt: the CPU shows hardware virtualisation (vmx or svm in
	// /proc/cpuinfo's flags).
	HWVirt bool
}

// probeKVM looks at this host as virt-host-validate does: a /dev/kvm this
// process can open, and a CPU with VMX or SVM. A /dev/kvm without them
// (a paravirtual KVM in a VM) opens and makes VMs but cannot run a
// guest's kernel reliably.
func probeKVM() kvmHost {
	var h kvmHost
	if f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0); err != nil {
		h.DevErr = err
	} else {
		f.Close()
	}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		h.HWVirt = hasHWVirt(string(data))
	}
	return h
}

// hasHWVirt reports whether a flags line of cpuinfo lists vmx or svm.
func hasHWVirt(cpuinfo string) bool {
	for _, line := range strings.Split(cpuinfo, "\n") {
		key, flags, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(key) != "flags" {
			continue
		}
		for _, f := range strings.Fields(flags) {
			if f == "vmx" || f == "svm" {
				return true
			}
		}
	}
	return false
}

// Usable says whether driver "kvm" works here, and why.
func (h kvmHost) Usable() (bool, string) {
	switch {
	case h.DevErr != nil:
		return false, fmt.Sprintf("KVM is not usable: %v", h.DevErr)
	case !h.HWVirt:
		return false, "KVM is not usable: /dev/kvm is there but the CPU shows no hardware virtualisation (no vmx or svm flag in /proc/cpuinfo)"
	}
	return true, "KVM is usable: /dev/kvm opens and the CPU has hardware virtualisation"
}

func (p *Provider) kvm() kvmHost {
	if p.kvmHost != nil {
		return *p.kvmHost
	}
	return probeKVM()
}

// driverCheck says which libvirt driver applies on this host and whether
// the lab's works.
func driverCheck(spec lab.Spec, h kvmHost) lab.Check {
	usable, why := h.Usable()
	driver := spec.Libvirt.DriverOf()
	c := lab.Check{Name: "libvirt driver", OK: true}
	switch {
	case driver == lab.DriverKVM && usable:
		c.Detail = "kvm: " + why
	case driver == lab.DriverKVM:
		c.OK = false
		c.Detail = "kvm: " + why
		c.Fix = `set driver = "qemu" in lab.hcl's libvirt block (qemu's software emulation: no KVM needed, several times slower)`
	case usable:
		c.Detail = fmt.Sprintf("qemu (software emulation, %d MB translation cache per VM), although %s: driver = \"kvm\" boots and runs several times faster", spec.Libvirt.TCGCache(), why)
	default:
		c.Detail = fmt.Sprintf("qemu (software emulation, %d MB translation cache per VM): %s", spec.Libvirt.TCGCache(), why)
	}
	return c
}

// HostChecks: for libvirt, which driver this host can use (lab doctor).
func (p *Provider) HostChecks(context.Context) []lab.Check {
	if p.name != lab.ProviderLibvirt {
		return nil
	}
	usable, why := p.kvm().Usable()
	c := lab.Check{Name: "libvirt driver", OK: true, Detail: `driver = "kvm" applies: ` + why}
	if !usable {
		c.Detail = `driver = "qemu" applies (software emulation): ` + why
	}
	return []lab.Check{c}
}

// NewLabDefaults: a new libvirt lab gets the gossiplab box (lab box build
// makes it; it boots in 128 MB) with 256 MB per node, and driver "qemu"
// when KVM is not usable here. Values the user gave are kept.
func (p *Provider) NewLabDefaults(_ context.Context, spec *lab.Spec, given func(field string) bool) []string {
	if p.name != lab.ProviderLibvirt {
		return nil
	}
	var notes []string
	if !given("box") {
		spec.Box = gossiplabBox
		notes = append(notes, fmt.Sprintf("box %s: build it with `sudo lab box build` and add it with `vagrant box add --name %s gossiplab-bookworm-libvirt.box`", gossiplabBox, gossiplabBox))
	}
	if !given("memory") {
		spec.MemoryMB = 256
	}
	if usable, why := p.kvm().Usable(); !usable && spec.Libvirt.Driver == "" {
		spec.Libvirt.Driver = lab.DriverQEMU
		notes = append(notes, `libvirt driver "qemu" (software emulation): `+why)
	}
	return notes
}

// gossiplabBox is the box lab box build makes (box.DefaultName).
const gossiplabBox = "gossiplab/bookworm"

// guestOf names the box's OS when lab knows it: the gossiplab boxes are
// Debian.
func guestOf(box string) string {
	if strings.HasPrefix(box, "gossiplab/") {
		return "debian"
	}
	return ""
}

// libvirtEndpoint: vagrant-libvirt's ssh-config names the VM's address on
// the management network and port 22, never the forward; lab reaches the
// node through the forward it declared (127.0.0.1:SSHPort, which
// forward_ssh_port makes vagrant-libvirt open), with ssh-config's user and
// key, as it does on VirtualBox.
func libvirtEndpoint(l *lab.Lab, e lab.SSHEndpoint) lab.SSHEndpoint {
	for _, n := range l.Nodes {
		if n.Name == e.Node {
			e.Host, e.Port = "127.0.0.1", n.SSHPort
		}
	}
	return e
}
