package vagrant

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"strings"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/vagrantgen"
)

var (
	_ lab.Planner   = (*Provider)(nil)
	_ lab.Generator = (*Provider)(nil)
)

// Footprint: a VM reserves its memory setting plus its hypervisor's
// per-VM overhead: under libvirt qemu's own memory and, with driver
// "qemu", its translation cache (see libvirt.go for the measurements).
func (p *Provider) Footprint(spec lab.Spec) lab.Footprint {
	if p.name != lab.ProviderLibvirt {
		return lab.Footprint{PerNodeMemory: true, OverheadMB: virtualBoxOverheadMB, Note: "guest memory + VirtualBox's VM process"}
	}
	if cache := spec.Libvirt.TCGCache(); cache > 0 {
		return lab.Footprint{PerNodeMemory: true, OverheadMB: qemuOverheadMB + cache,
			Note: fmt.Sprintf("guest memory + qemu (%d MB) + its %d MB translation cache (driver qemu)", qemuOverheadMB, cache)}
	}
	return lab.Footprint{PerNodeMemory: true, OverheadMB: qemuOverheadMB, Note: fmt.Sprintf("guest memory + qemu (%d MB, driver kvm)", qemuOverheadMB)}
}

// PlanChecks: VirtualBox 6.1.28 and later refuse host-only addresses
// outside the ranges /etc/vbox/networks.conf allows (by default
// 192.168.56.0/21), on Linux, macOS before VirtualBox 7 and Solaris.
// libvirt: whether the lab's driver works here (KVM usable or not).
func (p *Provider) PlanChecks(ctx context.Context, spec lab.Spec, facts lab.HostFacts) []lab.Check {
	if p.name == lab.ProviderLibvirt {
		return []lab.Check{driverCheck(spec, p.kvm())}
	}
	return []lab.Check{hostOnlyCheck(spec.Subnet, facts.OS, p.vboxFacts(ctx))}
}

// vboxHost is what the host-only check reads from the host.
type vboxHost struct {
	// NetworksConf is the content of /etc/vbox/networks.conf, nil when
	// the file does not exist.
	NetworksConf *string
	// Version is VirtualBox's version when known ("7.0.14"), else "".
	Version string
}

func (p *Provider) vboxFacts(ctx context.Context) vboxHost {
	if p.vboxHost != nil {
		return *p.vboxHost
	}
	var h vboxHost
	if data, err := os.ReadFile("/etc/vbox/networks.conf"); err == nil {
		s := string(data)
		h.NetworksConf = &s
	} else if !errors.Is(err, fs.ErrNotExist) {
		s := "" // unreadable: treat as allowing nothing beyond what it says
		h.NetworksConf = &s
	}
	if out, err := execx.Run(ctx, "VBoxManage", "--version"); err == nil {
		h.Version = strings.TrimSpace(string(out))
	}
	return h
}

// defaultHostOnly is VirtualBox's allowed host-only range without
// /etc/vbox/networks.conf (VirtualBox 6.1.28 and later on Linux, macOS
// and Solaris).
var defaultHostOnly = netip.MustParsePrefix("192.168.56.0/21")

func hostOnlyCheck(subnet netip.Prefix, goos string, h vboxHost) lab.Check {
	c := lab.Check{Name: "host-only range", OK: true}
	if goos == "windows" {
		c.Detail = "VirtualBox on Windows does not restrict host-only addresses"
		return c
	}
	if goos == "darwin" && strings.HasPrefix(h.Version, "7.") {
		c.Detail = "VirtualBox 7 on macOS does not restrict host-only addresses"
		return c
	}
	allowed := []netip.Prefix{defaultHostOnly}
	source := "VirtualBox's default (no /etc/vbox/networks.conf)"
	if h.NetworksConf != nil {
		allowed = ParseNetworksConf(*h.NetworksConf)
		source = "/etc/vbox/networks.conf"
	}
	for _, a := range allowed {
		if a.Bits() <= subnet.Bits() && a.Contains(subnet.Addr()) {
			c.Detail = fmt.Sprintf("%v is inside %v allowed by %s", subnet, a, source)
			return c
		}
	}
	c.OK = false
	c.Detail = fmt.Sprintf("%v is outside the host-only ranges allowed by %s (%s): VirtualBox 6.1.28+ will refuse it at boot", subnet, source, prefixList(allowed))
	c.Fix = fmt.Sprintf("add the line \"* %v\" to /etc/vbox/networks.conf, or use --subnet %v", subnet, defaultHostOnly)
	return c
}

// ParseNetworksConf reads VirtualBox's networks.conf: lines "* CIDR ...".
func ParseNetworksConf(text string) []netip.Prefix {
	var out []netip.Prefix
	for _, line := range strings.Split(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[0] != "*" {
			continue
		}
		for _, f := range fields[1:] {
			if p, err := netip.ParsePrefix(f); err == nil && p.Addr().Is4() {
				out = append(out, p.Masked())
			}
		}
	}
	return out
}

func prefixList(ps []netip.Prefix) string {
	if len(ps) == 0 {
		return "none"
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// Generate renders the lab's Vagrantfile.
func (p *Provider) Generate(l *lab.Lab) ([]lab.GeneratedFile, error) {
	data, err := Vagrantfile(l)
	if err != nil {
		return nil, err
	}
	return []lab.GeneratedFile{{Name: "Vagrantfile", Data: data, Inspect: func(old []byte) (bool, string) {
		o := vagrantgen.Inspect(old)
		return o == vagrantgen.Generated, o.String()
	}}}, nil
}

// Vagrantfile renders the lab's Vagrantfile.
func Vagrantfile(l *lab.Lab) ([]byte, error) {
	vl := vagrantgen.Lab{
		Name: l.Spec.Name, Provider: l.Spec.Provider, Box: l.Spec.Box, BoxVersion: l.Spec.BoxVersion,
		MemoryMB: l.Spec.MemoryMB, CPUs: l.Spec.CPUs, LinkedClone: l.Spec.LinkedClone, Subnet: l.Spec.Subnet,
		Guest: guestOf(l.Spec.Box),
	}
	if lv := l.Spec.Libvirt; l.Spec.Provider == lab.ProviderLibvirt {
		vl.Libvirt = vagrantgen.Libvirt{Driver: lv.DriverOf(), TCGCacheMB: lv.TCGCache(), URI: lv.URI, ManagementName: lv.ManagementNetwork.Name}
		if lv.ManagementNetwork.Address.IsValid() {
			vl.Libvirt.ManagementAddress = lv.ManagementNetwork.Address.String()
		}
	}
	for _, n := range l.Nodes {
		vl.Machines = append(vl.Machines, vagrantgen.Machine{Name: n.Name, Hostname: n.Hostname, IP: n.IP, SSHPort: n.SSHPort})
	}
	return vagrantgen.Render(vl)
}
