package lab

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// Provider boots and stops the nodes of a lab. Implementations live in
// lab/provider/...; package lab never imports them: main builds a
// Registry and the commands pick a provider from it. Every method takes
// the context first and returns when it is cancelled; methods that act on
// nodes take their machine names, already resolved by Select.
type Provider interface {
	// Info names the provider and says what it can do.
	Info() ProviderInfo
	// Check reports whether the host can run this provider; the error says
	// what to install or change.
	Check(ctx context.Context) error
	// Up creates or boots the nodes, at most opts.Parallel at a time, and
	// returns when each is booted and its SSH server answers.
	Up(ctx context.Context, l *Lab, nodes []string, opts UpOptions) error
	// Halt stops the nodes: gracefully, or at once when force is set (like
	// pulling the power).
	Halt(ctx context.Context, l *Lab, nodes []string, force bool) error
	// Reload halts then boots the nodes.
	Reload(ctx context.Context, l *Lab, nodes []string) error
	// Destroy removes every node and everything the provider made for the
	// lab. It succeeds when there is nothing left to remove.
	Destroy(ctx context.Context, l *Lab) error
	// Status reports the state of every node of the lab.
	Status(ctx context.Context, l *Lab) ([]NodeStatus, error)
	// SSHEndpoints tells how to reach the nodes over SSH.
	SSHEndpoints(ctx context.Context, l *Lab, nodes []string) ([]SSHEndpoint, error)
}

// LeftoverFinder is implemented by providers that can find what a lab
// left behind by name (namespaces, processes, mounts), also after a
// crashed lab up: lab doctor reports them and Destroy removes them.
type LeftoverFinder interface {
	Leftovers(ctx context.Context, l *Lab) ([]string, error)
}

// OrphanFinder is implemented by providers that can find, with no lab at
// hand, labs whose directory is gone while their resources remain: lab
// doctor run outside a lab directory reports them.
type OrphanFinder interface {
	Orphans(ctx context.Context) ([]string, error)
}

// Generator is implemented by providers that generate files in the lab
// directory from the lab file (Vagrant: the Vagrantfile). lab init and
// lab up write them with WriteGenerated.
type Generator interface {
	Generate(l *Lab) ([]GeneratedFile, error)
}

// Planner is what the capacity planner asks a provider: what one node of
// a lab costs the host, and the checks only this provider makes.
type Planner interface {
	// Footprint is the host memory one node of spec takes.
	Footprint(spec Spec) Footprint
	// PlanChecks are this provider's own rows of the plan (VirtualBox's
	// host-only ranges); facts are the host's.
	PlanChecks(ctx context.Context, spec Spec, facts HostFacts) []Check
}

// Footprint is what one node costs the host. A VM reserves its memory
// setting plus the hypervisor's per-VM overhead; a netns node is an sshd
// and an agent sharing the host kernel.
type Footprint struct {
	// PerNodeMemory: the node's memory setting is reserved.
	PerNodeMemory bool `json:"per_node_memory"`
	// OverheadMB is what each node costs beyond that.
	OverheadMB int `json:"overhead_mb"`
	// Note says where the overhead comes from, for the plan.
	Note string `json:"note,omitempty"`
	// CPU is what the nodes' processes cost the host's CPUs while the
	// cluster idles; zero when it is the nodes' own (VMs) or not known.
	CPU NodeCPU `json:"cpu,omitzero"`
}

// Placer is implemented by providers whose nodes share this host's
// filesystem (netns): provisioning asks them to put a local file at a
// path on a node (one copy linked into every node) instead of uploading
// it over SSH. Place checks that what it placed has the sha256 sum (hex)
// and reports whether it placed it; false leaves it to SFTP.
type Placer interface {
	Place(ctx context.Context, l *Lab, node, local, sum, remote string) (bool, error)
}

// HostNoter is implemented by providers that change host-wide settings
// for their labs (the netns provider raises the kernel's ARP table
// limits): lab doctor shows what they changed.
type HostNoter interface {
	HostNotes(ctx context.Context) []string
}

// HostChecker is implemented by providers with host checks of their own
// beyond Check (libvirt: which driver applies here): lab doctor shows
// them.
type HostChecker interface {
	HostChecks(ctx context.Context) []Check
}

// NewLabDefaulter is implemented by providers whose new labs start from
// other defaults than DefaultSpec's (libvirt: the gossiplab box, driver
// qemu where KVM is not usable). lab init calls it for a lab without a
// lab file; given reports whether the user set a lab file attribute
// (with a flag), which it must keep. It returns notes for the user.
type NewLabDefaulter interface {
	NewLabDefaults(ctx context.Context, spec *Spec, given func(field string) bool) []string
}

// ProviderInfo is a provider's name and capabilities, as data.
type ProviderInfo struct {
	Name string
	// ParallelUp: nodes boot concurrently.
	ParallelUp bool
	// ForceHalt: Halt can power a node off at once.
	ForceHalt bool
	// SharedClock: every node reads the host's clock, so journal times
	// compare without offset estimation.
	SharedClock bool
	// NodeFirewall: nftables works inside a node, for partitions and loss.
	NodeFirewall bool
	// Parallel is how many nodes are best booted and provisioned at once
	// when the user does not say (0: DefaultParallel).
	Parallel int
	// RealMachines: the nodes are machines that exist before and after
	// the lab, and Halt and Reload power them off or reboot them. Commands
	// do that only when the user allows it in so many words.
	RealMachines bool
}

// DefaultParallel is how many nodes lab boots and provisions at once by
// default.
const DefaultParallel = 10

// ParallelOf is p's suggested parallelism.
func ParallelOf(p Provider) int {
	if n := p.Info().Parallel; n > 0 {
		return n
	}
	return DefaultParallel
}

// UpOptions tune Up.
type UpOptions struct {
	Parallel int
	// Progress, when set, is called as nodes pass each phase. It may be
	// called from several goroutines.
	Progress func(node string, phase Phase)
}

// Phase is a step of bringing a node up.
type Phase string

// Phases of Up.
const (
	PhaseBooted       Phase = "booted"
	PhaseSSHReachable Phase = "sshd reachable"
)

// NodeState is a node's state as the provider sees it.
type NodeState string

// Node states shared by every provider.
const (
	StateRunning    NodeState = "running"
	StateHalted     NodeState = "halted"
	StateNotCreated NodeState = "not created"
	StateUnknown    NodeState = "unknown"
)

// NodeStatus is one node's state; Detail keeps the provider's own word
// for it (e.g. Vagrant's "poweroff", "saved").
type NodeStatus struct {
	Node   string
	State  NodeState
	Detail string
}

// SSHEndpoint says how to reach one node over SSH.
type SSHEndpoint struct {
	Node         string
	Host         string
	Port         int
	User         string
	IdentityFile string
}

// Registry holds the providers main knows about, by name. It is a value
// built in main, not a global.
type Registry struct {
	providers map[string]Provider
	// detectOrder is the order in which Detect tries providers.
	detectOrder []string
}

// NewRegistry makes an empty registry.
func NewRegistry() *Registry { return &Registry{providers: map[string]Provider{}} }

// Register adds p under its name; providers registered with detect set
// are tried by Detect in registration order.
func (r *Registry) Register(p Provider, detect bool) {
	name := p.Info().Name
	r.providers[name] = p
	if detect {
		r.detectOrder = append(r.detectOrder, name)
	}
}

// Names lists the registered providers.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.providers))
	for n := range r.providers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Get returns the provider with that name.
func (r *Registry) Get(name string) (Provider, error) {
	p, ok := r.providers[name]
	if !ok {
		return nil, hint.Errorf(fmt.Sprintf("use one of %s", strings.Join(r.Names(), ", ")), "unknown provider %q", name)
	}
	return p, nil
}

// Detect returns the first provider, in registration order, whose Check
// passes; otherwise an error that says, per provider, what is missing.
func (r *Registry) Detect(ctx context.Context) (Provider, error) {
	var reasons []string
	for _, name := range r.detectOrder {
		p := r.providers[name]
		err := p.Check(ctx)
		if err == nil {
			return p, nil
		}
		reasons = append(reasons, fmt.Sprintf("  %s: %v", name, err))
	}
	return nil, hint.Errorf("install Vagrant and VirtualBox, or run as root on Linux with iproute2 and openssh-server for the netns provider", "no provider can run on this host:\n%s", strings.Join(reasons, "\n"))
}
