package cli

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// specFlags are the flags that describe a lab; they override lab.hcl.
type specFlags struct {
	name        string
	provider    string
	nodes       int
	prefix      string
	box         string
	boxVersion  string
	memory      int
	cpus        int
	subnet      string
	sshPortBase int
	profile     string
}

// flagFields maps each flag to the lab file attribute it overrides.
var flagFields = map[string]string{
	"name": "name", "provider": "provider", "nodes": "nodes", "prefix": "prefix", "box": "box",
	"box-version": "box_version", "memory": "memory", "cpus": "cpus", "subnet": "subnet",
	"ssh-port-base": "ssh_port_base", "profile": "agent.profile",
}

func (f *specFlags) register(fs *pflag.FlagSet) {
	d := lab.DefaultSpec()
	fs.StringVar(&f.name, "name", d.Name, "lab name (VM and namespace names derive from it)")
	fs.StringVar(&f.provider, "provider", d.Provider, "virtualbox, libvirt, netns, or hosts (machines listed in lab.hcl: docs/hosts.md)")
	fs.IntVarP(&f.nodes, "nodes", "n", d.Nodes, "number of nodes")
	fs.StringVar(&f.prefix, "prefix", d.Prefix, "machine-name prefix: web gives web_1 .. web_N")
	fs.StringVar(&f.box, "box", d.Box, "Vagrant box")
	fs.StringVar(&f.boxVersion, "box-version", d.BoxVersion, `Vagrant box version constraint, e.g. ">= 12.0"`)
	fs.IntVar(&f.memory, "memory", d.MemoryMB, "memory per node in MB")
	fs.IntVar(&f.cpus, "cpus", d.CPUs, "CPUs per node")
	fs.StringVar(&f.subnet, "subnet", d.Subnet.String(), "private network for node IPs (CIDR)")
	fs.IntVar(&f.sshPortBase, "ssh-port-base", d.SSHPortBase, "host port of web_1's SSH forward; node N gets base+N-1")
	fs.StringVar(&f.profile, "profile", d.Agent.Profile, "agent profile: lan, wan or local")
}

// resolved is a lab spec with where its values came from.
type resolved struct {
	spec      lab.Spec
	src       *lab.FileSource // nil when there is no lab file
	hasFile   bool
	fromFlags map[string]bool // lab file attributes set by flags
	// notes are what the provider chose for a new lab (lab.NewLabDefaulter).
	notes []string
}

// resolveSpec reads dir's lab.hcl when present, applies the flags the user
// set, lists the nodes when the provider lists them (lab.NodeSource), and
// validates the result. providers are the providers of this binary.
func (f *specFlags) resolveSpec(ctx context.Context, fs *pflag.FlagSet, dir string, providers *lab.Registry) (*resolved, error) {
	p := lab.Paths{Dir: dir}
	spec, src, err := lab.LoadFile(p.LabFile())
	r := &resolved{src: src, hasFile: err == nil, fromFlags: map[string]bool{}}
	if err != nil && !errors.Is(err, lab.ErrNoLabFile) {
		return nil, err
	}
	fs.Visit(func(fl *pflag.Flag) {
		if field, ok := flagFields[fl.Name]; ok {
			r.fromFlags[field] = true
		}
	})
	set := func(field string, apply func()) {
		if r.fromFlags[field] {
			apply()
		}
	}
	set("name", func() { spec.Name = f.name })
	set("provider", func() { spec.Provider = f.provider })
	set("nodes", func() { spec.Nodes = f.nodes })
	set("prefix", func() { spec.Prefix = f.prefix })
	set("box", func() { spec.Box = f.box })
	set("box_version", func() { spec.BoxVersion = f.boxVersion })
	set("memory", func() { spec.MemoryMB = f.memory })
	set("cpus", func() { spec.CPUs = f.cpus })
	set("ssh_port_base", func() { spec.SSHPortBase = f.sshPortBase })
	set("agent.profile", func() { spec.Agent.Profile = f.profile })
	if r.fromFlags["subnet"] {
		pfx, err := netip.ParsePrefix(f.subnet)
		if err != nil {
			return nil, hint.Errorf("write it like 192.168.56.0/21", "--subnet: %q is not a CIDR", f.subnet)
		}
		spec.Subnet = pfx
	}
	prov, _ := providers.Get(spec.Provider)
	if d, ok := prov.(lab.NewLabDefaulter); ok && !r.hasFile {
		r.notes = d.NewLabDefaults(ctx, &spec, func(field string) bool { return r.fromFlags[field] })
	}
	if err := lab.ListHosts(ctx, &spec, dir, prov); err != nil {
		return nil, err
	}
	errs := spec.Validate()
	// init, plan and up work with the provider: it must be one this
	// binary has (other commands say so when they first need it).
	if fe := spec.CheckProvider(providers.Names()); fe != nil {
		errs = append(errs, fe)
	}
	if len(errs) > 0 {
		return nil, lab.SpecError(errs, src, r.fromFlags)
	}
	r.spec = spec
	return r, nil
}

func (r *resolved) anyFlags() bool { return len(r.fromFlags) > 0 }

func absDir(dir string) string {
	if a, err := filepath.Abs(dir); err == nil {
		return a
	}
	return dir
}
