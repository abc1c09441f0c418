package lab

import (
	"fmt"
	"net/netip"
	"regexp"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// Libvirt drivers: "kvm" runs guests on the CPU's virtualisation
// extensions; "qemu" is qemu's software emulation (TCG), for hosts
// without usable KVM.
const (
	DriverKVM  = "kvm"
	DriverQEMU = "qemu"
)

// DefaultTCGCacheMB is the translation cache each qemu gets under driver
// "qemu" when the lab file does not say: qemu's own default (1 GiB) makes
// every VM's qemu about 1.3 GB resident, 64 MB about 240-290 MB with a
// boot about as fast.
const DefaultTCGCacheMB = 64

// LibvirtSpec is the lab file's libvirt block, read by the libvirt
// provider only. Zero values mean the defaults (DriverOf, TCGCache).
type LibvirtSpec struct {
	Driver     string // DriverKVM or DriverQEMU; empty: kvm
	URI        string // libvirt connection URI; empty: vagrant-libvirt's (qemu:///system)
	TCGCacheMB int    // translation cache per VM under driver qemu; 0: DefaultTCGCacheMB
	// ManagementNetwork is the network vagrant-libvirt gives every VM's
	// first NIC (DHCP, SSH from the host); empty: vagrant-libvirt's own
	// ("vagrant-libvirt", 192.168.121.0/24).
	ManagementNetwork ManagementNetwork
}

// ManagementNetwork names vagrant-libvirt's management network.
type ManagementNetwork struct {
	Name    string       `json:",omitempty"`
	Address netip.Prefix `json:",omitempty"`
}

// IsZero reports whether the lab file has no libvirt settings.
func (l LibvirtSpec) IsZero() bool { return l == LibvirtSpec{} }

// DriverOf is the driver a lab uses: the block's, else kvm.
func (l LibvirtSpec) DriverOf() string {
	if l.Driver == "" {
		return DriverKVM
	}
	return l.Driver
}

// TCGCache is the translation cache in MB each VM gets: 0 under kvm.
func (l LibvirtSpec) TCGCache() int {
	if l.DriverOf() != DriverQEMU {
		return 0
	}
	if l.TCGCacheMB == 0 {
		return DefaultTCGCacheMB
	}
	return l.TCGCacheMB
}

// libvirtBlock is the block as written.
type libvirtBlock struct {
	Driver     *string            `hcl:"driver,optional"`
	URI        *string            `hcl:"uri,optional"`
	TCGCacheMB *int               `hcl:"tcg_cache_mb,optional"`
	Management *managementNetwork `hcl:"management_network,block"`
}

type managementNetwork struct {
	Name    *string `hcl:"name,optional"`
	Address *string `hcl:"address,optional"`
}

func (b *libvirtBlock) apply(spec *Spec, src *FileSource) error {
	if b == nil {
		return nil
	}
	lv := &spec.Libvirt
	if b.Driver != nil {
		lv.Driver = *b.Driver
	}
	if b.URI != nil {
		lv.URI = *b.URI
	}
	if b.TCGCacheMB != nil {
		lv.TCGCacheMB = *b.TCGCacheMB
	}
	if m := b.Management; m != nil {
		if m.Name != nil {
			lv.ManagementNetwork.Name = *m.Name
		}
		if m.Address != nil {
			p, err := netip.ParsePrefix(*m.Address)
			if err != nil || p != p.Masked() {
				return hint.Errorf("write the network's address like \"192.168.121.0/24\"", "%s: libvirt.management_network.address: %s is not a network address in CIDR form",
					src.Pos("libvirt.management_network.address"), Quote(*m.Address))
			}
			lv.ManagementNetwork.Address = p
		}
	}
	return nil
}

var (
	// libvirt URIs such as qemu:///system, qemu:///session,
	// qemu+ssh://user@host/system?keyfile=/path.
	libvirtURIRE = regexp.MustCompile(`^[a-z][a-z0-9]*(\+[a-z0-9]+)?://[A-Za-z0-9._~@:/?=&%+-]*$`)
	netNameRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

// validateLibvirt checks the libvirt block's values.
func (s *Spec) validateLibvirt() []*FieldError {
	var errs []*FieldError
	lv := s.Libvirt
	switch lv.Driver {
	case "", DriverKVM, DriverQEMU:
	default:
		errs = append(errs, fieldErr("libvirt.driver", `use "kvm" (hardware virtualisation) or "qemu" (software emulation, where KVM is not usable: lab doctor says which applies)`,
			"unknown libvirt driver %s", Quote(lv.Driver)))
	}
	switch {
	case lv.TCGCacheMB != 0 && lv.DriverOf() != DriverQEMU:
		errs = append(errs, fieldErr("libvirt.tcg_cache_mb", `remove it, or set driver = "qemu": only software emulation has a translation cache`,
			"tcg_cache_mb applies to driver \"qemu\" only, not %s", Quote(lv.DriverOf())))
	case lv.TCGCacheMB < 0 || lv.TCGCacheMB > 4096 || (lv.TCGCacheMB > 0 && lv.TCGCacheMB < 16):
		errs = append(errs, fieldErr("libvirt.tcg_cache_mb", fmt.Sprintf("give 16 to 4096 MB (%d is the default; 16 doubles boot time)", DefaultTCGCacheMB),
			"%d MB is out of range", lv.TCGCacheMB))
	}
	if lv.URI != "" && (len(lv.URI) > 256 || !libvirtURIRE.MatchString(lv.URI)) {
		errs = append(errs, fieldErr("libvirt.uri", `use a libvirt URI such as "qemu:///system"`, "invalid libvirt URI %s", Quote(lv.URI)))
	}
	mn := lv.ManagementNetwork
	if mn.Name != "" && (len(mn.Name) > 64 || !netNameRE.MatchString(mn.Name)) {
		errs = append(errs, fieldErr("libvirt.management_network.name", "use letters, digits, '.', '_' and '-', at most 64, such as vagrant-libvirt",
			"invalid network name %s", Quote(mn.Name)))
	}
	if a := mn.Address; a.IsValid() {
		switch {
		case !a.Addr().Is4() || a.Bits() > 29 || a.Bits() < 8:
			errs = append(errs, fieldErr("libvirt.management_network.address", "use an IPv4 network of /8 to /29, such as 192.168.121.0/24",
				"%v cannot hold the lab's VMs", a))
		case !s.Listed() && a.Overlaps(s.Subnet):
			errs = append(errs, fieldErr("libvirt.management_network.address", "give the management network and the lab's subnet separate ranges",
				"%v overlaps the lab's subnet %v", a, s.Subnet))
		}
	}
	return errs
}
