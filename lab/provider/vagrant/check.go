package vagrant

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	version "github.com/hashicorp/go-version"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/vagrantgen"
)

// MinVersion is the oldest Vagrant this provider accepts. What the
// generated Vagrantfile and this provider rely on, by Vagrant release
// (from Vagrant's CHANGELOG.md):
//
//   - 1.9.3: forwarded_port host_ip (GH-7035, GH-8350), so every node's SSH
//     forward binds 127.0.0.1 only; the forward declared with id: "ssh"
//     replacing the default 22 => 2222 one is older still.
//   - 2.2.1: `vagrant validate --ignore-provider` (GH-10351), and 2.2.3:
//     it no longer needs the provider installed (GH-10467), which is how
//     lab checks the Vagrantfile on hosts without VirtualBox.
//   - 2.2.19: Vagrant checks host-only addresses against VirtualBox 6.1.28's
//     allowed ranges (/etc/vbox/networks.conf) and says so before booting
//     (GH-12564); older Vagrant fails deep inside VBoxManage with
//     E_ACCESSDENIED, which this provider cannot explain.
//
// --machine-readable status, state and provider-name records, and
// `vagrant up --parallel`, date from Vagrant 1.x. Newer VirtualBox needs
// newer Vagrant; see minVagrantForVirtualBox.
//
// The generated Vagrantfile declares the same minimum
// (Vagrant.require_version), so both come from vagrantgen.
const MinVersion = vagrantgen.MinVagrant

// minVagrantForVirtualBox: the Vagrant release that added support for a
// VirtualBox series (CHANGELOG.md: 2.3.2 "Add support for VirtualBox 7.0"
// GH-12947; 2.3.3 fixed its private networks on macOS, GH-12983; the release
// after 2.4.1 "Add support for VirtualBox 7.1" GH-13513, see
// hashicorp/vagrant#13501). Older Vagrant reports the provider unusable.
var minVagrantForVirtualBox = []struct{ vbox, vagrant string }{
	{"7.1", "2.4.2"},
	{"7.0", "2.3.2"},
}

var (
	vagrantVersionRE = regexp.MustCompile(`(?m)^Vagrant (\d+\.\d+\.\d+\S*)`)
	// VBoxManage --version prints e.g. 7.0.14r161095 or 6.1.38_Ubuntur153438,
	// sometimes after warnings about the kernel module.
	vboxVersionRE = regexp.MustCompile(`(?m)^(\d+\.\d+\.\d+)`)
)

// ParseVagrantVersion reads `vagrant --version` output ("Vagrant 2.3.4").
func ParseVagrantVersion(out string) (*version.Version, error) {
	m := vagrantVersionRE.FindStringSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("cannot read a version in `vagrant --version` output %q", strings.TrimSpace(out))
	}
	return version.NewVersion(m[1])
}

// ParseVBoxManageVersion reads `VBoxManage --version` output.
func ParseVBoxManageVersion(out string) (*version.Version, error) {
	m := vboxVersionRE.FindStringSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("cannot read a version in `VBoxManage --version` output %q", strings.TrimSpace(out))
	}
	return version.NewVersion(m[1])
}

// Check reports whether this host can run the provider: vagrant on PATH
// and recent enough; for VirtualBox, VBoxManage on PATH and a version this
// Vagrant supports; for libvirt, the vagrant-libvirt plugin and a libvirt
// daemon socket. Every error says what to install.
func (p *Provider) Check(ctx context.Context) error {
	vv, err := p.checkVagrant(ctx)
	if err != nil {
		return err
	}
	switch p.name {
	case "virtualbox":
		return p.checkVirtualBox(ctx, vv)
	default:
		return p.checkLibvirt(ctx)
	}
}

func (p *Provider) checkVagrant(ctx context.Context) (*version.Version, error) {
	if _, err := p.lookPath(p.binary); err != nil {
		return nil, hint.Errorf(fmt.Sprintf("install Vagrant %s or later (Debian/Ubuntu: apt-get install vagrant; or https://developer.hashicorp.com/vagrant/install)", MinVersion), "vagrant is not on PATH")
	}
	out, err := p.run(ctx, "", nil, p.binary, "--version")
	if err != nil {
		return nil, fmt.Errorf("run vagrant --version: %w", err)
	}
	v, err := ParseVagrantVersion(string(out))
	if err != nil {
		return nil, err
	}
	if v.LessThan(version.Must(version.NewVersion(MinVersion))) {
		return nil, hint.Errorf("upgrade Vagrant (https://developer.hashicorp.com/vagrant/install)", "vagrant %s is too old: this lab needs %s or later (host-only range checks for VirtualBox 6.1.28+, validate --ignore-provider)", v, MinVersion)
	}
	return v, nil
}

func (p *Provider) checkVirtualBox(ctx context.Context, vagrantV *version.Version) error {
	if _, err := p.lookPath("VBoxManage"); err != nil {
		return hint.Wrap(errors.New("VBoxManage is not on PATH: VirtualBox is missing"), "install VirtualBox 6.1 or 7.x (https://www.virtualbox.org/wiki/Linux_Downloads), or use the libvirt or netns provider")
	}
	out, err := p.run(ctx, "", nil, "VBoxManage", "--version")
	if err != nil {
		return hint.Errorf("reinstall VirtualBox; on Linux its kernel modules must load (/sbin/vboxconfig)", "run VBoxManage --version: %w", err)
	}
	vb, err := ParseVBoxManageVersion(string(out))
	if err != nil {
		return err
	}
	for _, req := range minVagrantForVirtualBox {
		series := version.Must(version.NewVersion(req.vbox))
		if vb.GreaterThanOrEqual(series) {
			need := version.Must(version.NewVersion(req.vagrant))
			if vagrantV.LessThan(need) {
				return hint.Errorf("upgrade Vagrant (https://developer.hashicorp.com/vagrant/install)", "VirtualBox %s needs Vagrant %s or later, this is Vagrant %s", vb, need, vagrantV)
			}
			break
		}
	}
	p.logger.Debug("virtualbox found", "vboxmanage", vb.String(), "vagrant", vagrantV.String())
	return nil
}

// libvirtSockets are where a local libvirt daemon listens (monolithic
// libvirtd, or the modular virtqemud).
var libvirtSockets = []string{"/var/run/libvirt/libvirt-sock", "/var/run/libvirt/virtqemud-sock"}

func (p *Provider) checkLibvirt(ctx context.Context) error {
	out, err := p.run(ctx, "", nil, p.binary, "plugin", "list", "--machine-readable")
	if err != nil {
		return fmt.Errorf("list vagrant plugins: %w", err)
	}
	if _, ok := ParsePlugins(ParseMachineReadable(out))["vagrant-libvirt"]; !ok {
		return hint.Wrap(errors.New("the vagrant-libvirt plugin is not installed"), "Debian/Ubuntu: apt-get install vagrant-libvirt; elsewhere: vagrant plugin install vagrant-libvirt")
	}
	for _, s := range libvirtSockets {
		if p.fileExists(s) {
			return nil
		}
	}
	return hint.Errorf("apt-get install libvirt-daemon-system qemu-kvm, then systemctl start libvirtd", "no libvirt daemon socket (%s)", strings.Join(libvirtSockets, ", "))
}

// ParsePlugins reads `vagrant plugin list --machine-readable`: plugin
// name -> version as printed (e.g. "0.11.2, system").
func ParsePlugins(recs []Record) map[string]string {
	plugins := map[string]string{}
	for _, r := range recs {
		switch {
		case r.Type == "plugin-name" && len(r.Data) > 0:
			if _, ok := plugins[r.Data[0]]; !ok {
				plugins[r.Data[0]] = ""
			}
		case r.Type == "plugin-version" && r.Target != "" && len(r.Data) > 0:
			plugins[r.Target] = strings.Join(r.Data, ",")
		}
	}
	return plugins
}
