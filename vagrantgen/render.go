package vagrantgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"text/template"

	"github.com/gossiplab/gossiplab/templates"
)

// MinVagrant is the oldest Vagrant the generated file declares it needs.
// 2.2.19 is the first release that knows VirtualBox 6.1.28's host-only
// network restrictions (it reads /etc/vbox/networks.conf and validates
// private_network IPs against it), which the generated lab relies on.
const MinVagrant = "2.2.19"

// Lab is what a Vagrantfile is rendered from.
type Lab struct {
	Name        string
	Provider    string // "virtualbox" or "libvirt"
	Box         string
	BoxVersion  string
	MemoryMB    int
	CPUs        int
	LinkedClone bool
	Subnet      netip.Prefix
	// Guest names the box's OS for Vagrant ("debian"), which then skips
	// detecting it; empty: Vagrant detects it.
	Guest    string
	Libvirt  Libvirt
	Machines []Machine
}

// Libvirt is how vagrant-libvirt runs the machines.
type Libvirt struct {
	Driver            string // "kvm" or "qemu"
	TCGCacheMB        int    // under "qemu": qemu's translation cache per VM; 0 leaves qemu's default
	URI               string // empty: vagrant-libvirt's default
	ManagementName    string // empty: vagrant-libvirt's default
	ManagementAddress string // CIDR; empty: vagrant-libvirt's default
}

// Machine is one node.
type Machine struct {
	Name     string
	Hostname string
	IP       netip.Addr
	SSHPort  int
}

var (
	machineNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	hostnameRE    = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	boxRE         = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$`)
	boxVersionRE  = regexp.MustCompile(`^[0-9A-Za-z.,<>=~! -]*$`)
)

// Render returns the Vagrantfile for l, header included.
func Render(l Lab) ([]byte, error) {
	if err := check(l); err != nil {
		return nil, err
	}
	tmpl, err := template.New("Vagrantfile").Funcs(template.FuncMap{"ruby": rubyString}).Parse(templates.Vagrantfile())
	if err != nil {
		return nil, fmt.Errorf("parse Vagrantfile template: %w", err)
	}
	type machineView struct {
		Machine
		VMName string
	}
	view := struct {
		Lab
		NodeCount           int
		MinVagrant          string
		PortFirst, PortLast int
		Nodes               []machineView
	}{Lab: l, NodeCount: len(l.Machines), MinVagrant: MinVagrant}
	view.PortFirst, view.PortLast = l.Machines[0].SSHPort, l.Machines[0].SSHPort
	for _, m := range l.Machines {
		view.PortFirst = min(view.PortFirst, m.SSHPort)
		view.PortLast = max(view.PortLast, m.SSHPort)
		view.Nodes = append(view.Nodes, machineView{Machine: m, VMName: "gossiplab_" + l.Name + "_" + m.Name})
	}
	var body bytes.Buffer
	if err := tmpl.Execute(&body, view); err != nil {
		return nil, fmt.Errorf("render Vagrantfile: %w", err)
	}
	return append(header(body.Bytes()), body.Bytes()...), nil
}

func check(l Lab) error {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	if !machineNameRE.MatchString(l.Name) {
		bad("lab name %q: use [a-z0-9][a-z0-9_-]*", l.Name)
	}
	if l.Provider != "virtualbox" && l.Provider != "libvirt" {
		bad("provider %q: a Vagrantfile is rendered for virtualbox or libvirt", l.Provider)
	}
	if !boxRE.MatchString(l.Box) {
		bad("box %q: use a Vagrant box name such as debian/bookworm64", l.Box)
	}
	if !boxVersionRE.MatchString(l.BoxVersion) {
		bad("box version %q: use a version constraint such as \">= 12.0\"", l.BoxVersion)
	}
	if l.Guest != "" && l.Guest != "debian" {
		bad("guest %q: only debian is known", l.Guest)
	}
	if l.Provider == "libvirt" {
		bad2 := l.Libvirt.check()
		errs = append(errs, bad2...)
	}
	if l.MemoryMB <= 0 || l.CPUs <= 0 {
		bad("memory %d MB and cpus %d must be positive", l.MemoryMB, l.CPUs)
	}
	if len(l.Machines) == 0 {
		bad("no machines")
	}
	names, ips, ports := map[string]bool{}, map[netip.Addr]bool{}, map[int]bool{}
	for _, m := range l.Machines {
		if !machineNameRE.MatchString(m.Name) {
			bad("machine name %q: use [a-z0-9][a-z0-9_-]*", m.Name)
		}
		if !hostnameRE.MatchString(m.Hostname) {
			bad("hostname %q of %s: use letters, digits and '-', at most 63", m.Hostname, m.Name)
		}
		if !m.IP.Is4() {
			bad("IP %v of %s: want IPv4", m.IP, m.Name)
		}
		if m.SSHPort < 1024 || m.SSHPort > 65535 {
			bad("SSH port %d of %s: want 1024..65535", m.SSHPort, m.Name)
		}
		if names[m.Name] || ips[m.IP] || ports[m.SSHPort] {
			bad("machine %s repeats a name, IP or SSH port", m.Name)
		}
		names[m.Name], ips[m.IP], ports[m.SSHPort] = true, true, true
	}
	if len(errs) > 0 {
		return fmt.Errorf("cannot render Vagrantfile: %s", strings.Join(errs, "; "))
	}
	return nil
}

var (
	libvirtURIRE = regexp.MustCompile(`^[a-z][a-z0-9]*(\+[a-z0-9]+)?://[A-Za-z0-9._~@:/?=&%+-]*$`)
	netNameRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

func (lv Libvirt) check() []string {
	var errs []string
	if lv.Driver != "kvm" && lv.Driver != "qemu" {
		errs = append(errs, fmt.Sprintf("libvirt driver %q: use kvm or qemu", lv.Driver))
	}
	if lv.TCGCacheMB < 0 || (lv.TCGCacheMB > 0 && lv.Driver != "qemu") {
		errs = append(errs, fmt.Sprintf("translation cache %d MB under driver %q: only qemu has one", lv.TCGCacheMB, lv.Driver))
	}
	if lv.URI != "" && !libvirtURIRE.MatchString(lv.URI) {
		errs = append(errs, fmt.Sprintf("libvirt URI %q: use one such as qemu:///system", lv.URI))
	}
	if lv.ManagementName != "" && !netNameRE.MatchString(lv.ManagementName) {
		errs = append(errs, fmt.Sprintf("management network name %q: use [A-Za-z0-9][A-Za-z0-9_.-]*", lv.ManagementName))
	}
	if lv.ManagementAddress != "" {
		if p, err := netip.ParsePrefix(lv.ManagementAddress); err != nil || !p.Addr().Is4() {
			errs = append(errs, fmt.Sprintf("management network address %q: want an IPv4 CIDR", lv.ManagementAddress))
		}
	}
	return errs
}

// rubyString quotes s as a single-quoted Ruby literal: no interpolation,
// only backslash and quote escaped.
func rubyString(v any) string {
	s := fmt.Sprint(v)
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `'`, `\'`)
	return "'" + s + "'"
}

const (
	headerLine   = "# generated by lab, do not edit: change lab.hcl and run `lab init` to re-render."
	checksumMark = "# lab-checksum: sha256:"
)

func header(body []byte) []byte {
	sum := sha256.Sum256(body)
	return []byte(headerLine + "\n" + checksumMark + hex.EncodeToString(sum[:]) + "\n")
}

// Origin says who wrote an existing Vagrantfile.
type Origin int

// Origins Inspect tells apart.
const (
	// Generated: lab wrote it and nobody changed it since.
	Generated Origin = iota
	// Edited: lab wrote it, then someone changed it.
	Edited
	// Foreign: lab did not write it.
	Foreign
)

func (o Origin) String() string {
	return [...]string{"generated", "edited since lab generated it", "not generated by lab"}[o]
}

// Inspect tells whether data is a Vagrantfile lab generated and left as
// it was.
func Inspect(data []byte) Origin {
	first, rest, ok := bytes.Cut(data, []byte("\n"))
	if !ok || string(first) != headerLine {
		return Foreign
	}
	sumLine, body, ok := bytes.Cut(rest, []byte("\n"))
	if !ok || !bytes.HasPrefix(sumLine, []byte(checksumMark)) {
		return Edited
	}
	sum := sha256.Sum256(body)
	if string(sumLine[len(checksumMark):]) != hex.EncodeToString(sum[:]) {
		return Edited
	}
	return Generated
}
