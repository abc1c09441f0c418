package box

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/execx"
)

// Provider is the Vagrant provider a box is packaged for.
type Provider string

// The providers Build packages for.
const (
	Libvirt    Provider = "libvirt"
	VirtualBox Provider = "virtualbox"
)

// Providers lists the providers Build knows, in a stable order.
func Providers() []Provider { return []Provider{Libvirt, VirtualBox} }

// DefaultName is the box name a lab's Vagrantfile refers to.
const DefaultName = "gossiplab/bookworm"

// Suite is the Debian release the boxes hold.
const Suite = "bookworm"

// Packages is the fixed list of packages Build installs on top of Debian's
// minbase variant (essential packages and apt); their dependencies come
// along.
func Packages() []string {
	return []string{
		"linux-image-cloud-amd64", // virtio, ATA and SCSI drivers; no firmware, no sound, no GPU
		"initramfs-tools", "zstd", "kmod",
		"systemd-sysv", "udev", "dbus", "procps",
		"openssh-server", "sudo",
		"systemd-resolved", "iproute2", "netbase",
		"nftables", // lab chaos's partitions and loss inside the VM
	}
}

// DefaultPath is the file name Build writes the box for name and provider
// to: "gossiplab-bookworm-libvirt.box" for DefaultName and Libvirt.
func DefaultPath(name string, p Provider) string {
	return strings.NewReplacer("/", "-", " ", "-").Replace(name) + "-" + string(p) + ".box"
}

// Output is one box to write.
type Output struct {
	Provider Provider
	Path     string
}

// Options configure Build.
type Options struct {
	// Name is the box's name (recorded in its manifest; `vagrant box add
	// --name` takes it). Default DefaultName.
	Name string
	// Outputs are the boxes to write, one per provider, from one disk.
	Outputs []Output
	// Force replaces output files that exist; without it Build refuses.
	Force bool
	// Agent, when set, is a labagent binary installed as
	// /usr/local/bin/labagent.
	Agent string
	// Mirror, when set, is the Debian mirror (http://deb.debian.org/debian)
	// to install from instead of the host's apt sources.
	Mirror string
	// SourceDateEpoch is the time recorded in the files of the box (tools
	// that honour SOURCE_DATE_EPOCH); 0 means the SOURCE_DATE_EPOCH
	// environment variable, or else the start of the build.
	SourceDateEpoch int64
	// DiskGiB is the disk's virtual size; default 8.
	DiskGiB int
	// WorkDir is where the temporary directory goes; default os.TempDir().
	WorkDir string
	// Runner runs the tools; nil means execx.Exec{}.
	Runner execx.Runner
	// Log receives the tools' output as they run; nil discards it (a
	// failure's error carries the failing tool's output anyway).
	Log io.Writer
	// Progress hears about the phases; nil means nobody.
	Progress Progress
	// AptRoot is where the host's apt sources are read from (tests);
	// default "/".
	AptRoot string
}

// withDefaults checks o and fills in its defaults.
func (o Options) withDefaults(now time.Time) (Options, error) {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if !validName(o.Name) {
		return o, fmt.Errorf("box name %q: use letters, digits, '.', '_' and '-', with one '/' between an owner and a name (%s)", o.Name, DefaultName)
	}
	if len(o.Outputs) == 0 {
		return o, errors.New("no output: name at least one provider")
	}
	seen := map[Provider]bool{}
	for i, out := range o.Outputs {
		if out.Provider != Libvirt && out.Provider != VirtualBox {
			return o, fmt.Errorf("provider %q: a box is built for %q or %q", out.Provider, Libvirt, VirtualBox)
		}
		if seen[out.Provider] {
			return o, fmt.Errorf("provider %q is named twice", out.Provider)
		}
		seen[out.Provider] = true
		if out.Path == "" {
			o.Outputs[i].Path = DefaultPath(o.Name, out.Provider)
		}
	}
	if o.Agent != "" {
		fi, err := os.Stat(o.Agent)
		if err != nil {
			return o, fmt.Errorf("agent: %w", err)
		}
		if !fi.Mode().IsRegular() {
			return o, fmt.Errorf("agent %s is not a file", o.Agent)
		}
		if o.Agent, err = filepath.Abs(o.Agent); err != nil {
			return o, err
		}
	}
	if o.SourceDateEpoch == 0 {
		o.SourceDateEpoch = now.Unix()
		if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v <= 0 {
				return o, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a positive number of seconds", s)
			}
			o.SourceDateEpoch = v
		}
	}
	if o.DiskGiB == 0 {
		o.DiskGiB = 8
	}
	if o.DiskGiB < 1 {
		return o, fmt.Errorf("disk size %d GiB: at least 1", o.DiskGiB)
	}
	if o.WorkDir == "" {
		o.WorkDir = os.TempDir()
	}
	if o.Runner == nil {
		o.Runner = execx.Exec{}
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Progress == nil {
		o.Progress = noProgress{}
	}
	if o.AptRoot == "" {
		o.AptRoot = "/"
	}
	return o, nil
}

// validName reports whether name is a box name as Vagrant Cloud spells
// them: owner/name or name, of letters, digits, '.', '_' and '-'.
func validName(name string) bool {
	parts := strings.Split(name, "/")
	if len(parts) > 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || p[0] == '.' || p[0] == '-' {
			return false
		}
		for _, r := range p {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
				return false
			}
		}
	}
	return true
}
