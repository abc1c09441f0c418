package vagrant

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/gossiplab/gossiplab/internal/execx"
)

// Error is a failed vagrant command: what it was doing, Vagrant's own
// message (from its error-exit record, or its whole output), and a hint
// when the failure is one this package recognises.
type Error struct {
	Op      string   // "up", "halt", "status" ...
	Nodes   []string // the machines the command acted on, if any
	Command string   // the command line, as a user would type it to see Vagrant's own words
	Class   string   // Vagrant's error class, e.g. Vagrant::Errors::ProviderNotUsable
	Message string   // what Vagrant said
	Fix     string   // what to do, when the failure is one this package recognises
	Err     error    // the *execx.Error, with the command line and full output
}

// Hint says what to do (hint.All finds it).
func (e *Error) Hint() string { return e.Fix }

func (e *Error) Error() string {
	var b strings.Builder
	if e.Command != "" {
		b.WriteString(e.Command)
	} else {
		b.WriteString("vagrant " + e.Op)
		if len(e.Nodes) > 0 {
			b.WriteString(" " + strings.Join(e.Nodes, " "))
		}
	}
	b.WriteString(" failed")
	if e.Message != "" {
		b.WriteString(":\n" + indent(e.Message))
	} else if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// hintContext is what hints may mention about the lab.
type hintContext struct {
	provider string
	subnet   netip.Prefix
	dir      string
}

// newError builds an *Error from a failed run. out is the command's
// standard output (machine-readable records when the command had
// --machine-readable).
func newError(op string, nodes []string, out []byte, err error, hc hintContext) *Error {
	e := &Error{Op: op, Nodes: nodes, Err: err}
	if ee, ok := findExitError(ParseMachineReadable(out)); ok {
		e.Class, e.Message = ee.Class, strings.TrimSpace(ee.Message)
	}
	var xe *execx.Error
	if errors.As(err, &xe) {
		if e.Message == "" {
			e.Message = xe.Output
		}
		// Shown without --machine-readable, so that running it again
		// prints Vagrant's usual text.
		e.Command = strings.Join(slices.DeleteFunc(slices.Clone(xe.Args), func(a string) bool { return a == "--machine-readable" }), " ")
	}
	e.Fix = hintFor(e.Class, e.Message, hc)
	return e
}

var hostOnlyAddrRE = regexp.MustCompile(`Address:\s*([0-9.]+)`)

// hintFor recognises failures a user can fix and says how. class may be
// empty (plain output); message is Vagrant's text.
func hintFor(class, msg string, hc hintContext) string {
	has := func(s string) bool { return strings.Contains(msg, s) }
	switch {
	case strings.HasSuffix(class, "VirtualBoxInvalidHostSubnet") || has("not within the\nallowed ranges") || has("not within the allowed ranges"):
		// The lab's subnet when the refused address is in it, else the /24
		// around the address Vagrant names.
		subnet := ""
		if hc.subnet.IsValid() {
			subnet = hc.subnet.Masked().String()
		}
		if m := hostOnlyAddrRE.FindStringSubmatch(msg); m != nil {
			if a, err := netip.ParseAddr(m[1]); err == nil && !(hc.subnet.IsValid() && hc.subnet.Contains(a)) {
				subnet = netip.PrefixFrom(a, 24).Masked().String()
			}
		}
		line := "* " + subnet
		return fmt.Sprintf("VirtualBox 6.1.28 and later allow host-only addresses only in 192.168.56.0/21 unless /etc/vbox/networks.conf allows more; "+
			"add the line %q to /etc/vbox/networks.conf (sudo mkdir -p /etc/vbox && echo '%s' | sudo tee -a /etc/vbox/networks.conf), "+
			"or set subnet inside 192.168.56.0/21 in lab.hcl and run lab init --force", line, line)
	case strings.HasSuffix(class, "BoxAddNoMatchingVersion") || has("has no available version that\nmatches the constraints"):
		return "no version of the box matches box_version in lab.hcl: loosen the constraint (or remove it) and run lab init --force"
	case strings.HasSuffix(class, "ActiveMachineWithDifferentProvider") || has("An active machine was found with a different provider"):
		return fmt.Sprintf("the node exists under another Vagrant provider: destroy it with that provider first (vagrant destroy -f NODE in %s), or set provider back in lab.hcl", hc.dir)
	case strings.HasSuffix(class, "VagrantVersionBad") || has("requires the Vagrant\nversion to satisfy"):
		return fmt.Sprintf("upgrade Vagrant to %s or later (https://developer.hashicorp.com/vagrant/install)", MinVersion)
	case strings.HasSuffix(class, "BoxAddShortNotFound") || strings.HasSuffix(class, "BoxNotFound") ||
		has("could not be found or\ncould not be accessed in the remote catalog") || has("could not be accessed in the remote catalog"):
		return "check the box name (box in lab.hcl) and that this host reaches Vagrant Cloud, or add the box from a file first: vagrant box add --name NAME FILE.box"
	case has("Vagrant could not detect VirtualBox"):
		return "install VirtualBox so that VBoxManage is on PATH (https://www.virtualbox.org/wiki/Linux_Downloads), or use provider = \"libvirt\" or \"netns\" in lab.hcl"
	case has("version of VirtualBox installed\nthat is not supported") || has("version of VirtualBox installed that is not supported"):
		return "this Vagrant does not support the installed VirtualBox: upgrade Vagrant (VirtualBox 7.0 needs Vagrant 2.3.2 or later, 7.1 needs 2.4.2 or later)"
	case strings.HasSuffix(class, "FogLibvirtConnectionError") || has("Error while connecting to Libvirt") || has("Error while connecting to libvirt"):
		return "start libvirt and let this user use it: apt-get install libvirt-daemon-system qemu-kvm, systemctl start libvirtd, usermod -aG libvirt $USER (then log in again)"
	case strings.HasSuffix(class, "ForwardPortCollision") || has("would collide with some other\napplication") || has("is already in use on the host machine"):
		return "another program listens on a node's SSH port: stop it, or change ssh_port_base in lab.hcl and run lab init --force (lab plan checks every port)"
	case strings.HasSuffix(class, "SSHNotReady") || has("not yet ready for SSH"):
		return "the node is not running: lab up NODE"
	case strings.HasSuffix(class, "MachineNotFound"):
		return "the Vagrantfile does not define that machine: render it again from lab.hcl with lab init --force"
	case strings.HasSuffix(class, "NoEnvironmentError") || has("A Vagrant environment or target machine is required"):
		return fmt.Sprintf("there is no Vagrantfile in %s: run lab init there", hc.dir)
	case strings.HasSuffix(class, "MachineActionLockedError") || has("another process is already executing an action"):
		return "another vagrant command is acting on this node: wait for it to finish, or stop it, then run the command again"
	case strings.HasSuffix(class, "ProviderNotUsable"):
		return fmt.Sprintf("the %s provider cannot run on this host (see above): run lab doctor", hc.provider)
	}
	return ""
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}
