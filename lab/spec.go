package lab

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Providers a lab file may name.
const (
	ProviderVirtualBox = "virtualbox"
	ProviderLibvirt    = "libvirt"
	ProviderNetns      = "netns"
)

// Ways nodes find each other.
const (
	JoinSeeds = "seeds" // every node joins the first Seeds nodes' IPs
	JoinMDNS  = "mdns"  // nodes discover each other with mDNS on the lab subnet
)

// Limits on what a lab may ask for. MaxNodes keeps a lab within what one
// host, one subnet and one Vagrantfile can hold sensibly.
const (
	MaxNodes    = 4096
	minPort     = 1024
	maxPort     = 65535
	maxHostname = 63
)

// Spec is a lab fully resolved: the lab file's values with defaults and
// flag overrides applied, validated.
type Spec struct {
	Name        string
	Provider    string
	Nodes       int
	Prefix      string
	Box         string
	BoxVersion  string // a Vagrant version constraint, e.g. ">= 12.0"; empty: any
	MemoryMB    int
	CPUs        int
	Subnet      netip.Prefix
	FirstHost   int // host offset in Subnet of the first node
	SSHPortBase int // host port of the first node's SSH forward
	LinkedClone bool
	Groups      []Group
	Agent       AgentSpec
}

// Group gives tags to the nodes its selector matches.
type Group struct {
	Name  string
	Nodes string // a node selector: names, ranges like web_[1-5], globs
	Tags  map[string]string
}

// AgentSpec says how the gossip agent runs on every node.
type AgentSpec struct {
	Profile string // lan, wan or local
	Encrypt bool   // gossip encryption with a key generated once per lab
	Join    string // JoinSeeds or JoinMDNS
	Seeds   int    // how many of the first nodes the others join
}

// Node is one machine of the lab with its fixed assignments.
type Node struct {
	Index    int    // 1-based
	Name     string // machine name: web_3
	Hostname string // web-3 (Vagrant refuses underscores in hostnames)
	IP       netip.Addr
	SSHPort  int // host port forwarded to the node's port 22 on 127.0.0.1
	Tags     map[string]string
}

// DefaultSpec is the lab `lab init` writes when given no flags.
func DefaultSpec() Spec {
	return Spec{
		Name:        "gossip",
		Provider:    ProviderVirtualBox,
		Nodes:       3,
		Prefix:      "web",
		Box:         "debian/bookworm64",
		MemoryMB:    512,
		CPUs:        1,
		Subnet:      netip.MustParsePrefix("192.168.56.0/21"),
		FirstHost:   11,
		SSHPortBase: 2300,
		LinkedClone: true,
		Agent:       AgentSpec{Profile: "lan", Encrypt: true, Join: JoinSeeds, Seeds: 3},
	}
}

var (
	nameRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	hclIdentRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
	tagKeyRE   = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
	boxNameRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$`)
	// Vagrant version constraints: "1.2.3", ">= 1.0, < 2", "~> 12.2".
	boxVersionRE = regexp.MustCompile(`^[0-9A-Za-z.,<>=~! -]+$`)
	tagValueBad  = regexp.MustCompile(`[\x00-\x1f\x7f]`)
)

// FieldError is a validation error about one setting. Field is the lab
// file attribute (and, with a leading --, the flag) it concerns.
type FieldError struct {
	Field string
	Msg   string
	Hint  string
}

func (e *FieldError) Error() string {
	s := e.Field + ": " + e.Msg
	if e.Hint != "" {
		s += "\nhint: " + e.Hint
	}
	return s
}

func fieldErr(field, hint, format string, a ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...), Hint: hint}
}

// natNetwork is VirtualBox's NAT network: every VM has 10.0.2.15 in it on
// its first interface, as every netns node has on eth0.
var natNetwork = netip.MustParsePrefix("10.0.2.0/24")

// Validate checks every value; the first problem per field is reported,
// all fields are checked.
func (s *Spec) Validate() []*FieldError {
	var errs []*FieldError
	add := func(e *FieldError) { errs = append(errs, e) }

	if !nameRE.MatchString(s.Name) || len(s.Name) > 32 {
		add(fieldErr("name", "use lowercase letters, digits, '_' and '-', starting with a letter or digit, at most 32 characters",
			"invalid lab name %s", Quote(s.Name)))
	}
	// Which providers exist is the registry's to say (CheckProvider);
	// here only the name's form.
	if !nameRE.MatchString(s.Provider) || len(s.Provider) > 32 {
		add(fieldErr("provider", "use a provider's name, such as netns; lab doctor lists them", "invalid provider name %s", Quote(s.Provider)))
	}
	// Checks that depend on the node count are skipped when it is refused:
	// their advice (a port base below zero) would only mislead.
	nodesOK := s.Nodes >= 1 && s.Nodes <= MaxNodes
	if !nodesOK {
		add(fieldErr("nodes", fmt.Sprintf("use a number from 1 to %d", MaxNodes), "%d nodes is out of range", s.Nodes))
	}
	if !nameRE.MatchString(s.Prefix) || len(s.Prefix) > 40 {
		add(fieldErr("prefix", "use lowercase letters, digits, '_' and '-', starting with a letter or digit (e.g. web)",
			"invalid machine-name prefix %s", Quote(s.Prefix)))
	}
	if !boxNameRE.MatchString(s.Box) || len(s.Box) > 128 {
		add(fieldErr("box", "use a Vagrant box name such as debian/bookworm64 (letters, digits, '.', '_', '-', one '/')",
			"invalid box name %s", Quote(s.Box)))
	}
	if s.BoxVersion != "" && (!boxVersionRE.MatchString(s.BoxVersion) || len(s.BoxVersion) > 64) {
		add(fieldErr("box_version", `use a Vagrant version constraint such as ">= 12.0" or "~> 12.2"`,
			"invalid box version constraint %s", Quote(s.BoxVersion)))
	}
	if s.MemoryMB < 128 || s.MemoryMB > 1<<20 {
		add(fieldErr("memory", "give the memory per node in MB, at least 128", "%d MB is out of range", s.MemoryMB))
	}
	if s.CPUs < 1 || s.CPUs > 256 {
		add(fieldErr("cpus", "give 1 or more CPUs per node", "%d CPUs is out of range", s.CPUs))
	}
	if !s.Subnet.IsValid() || !s.Subnet.Addr().Is4() {
		add(fieldErr("subnet", "use an IPv4 CIDR such as 192.168.56.0/21", "invalid subnet %v", s.Subnet))
	} else if s.Subnet != s.Subnet.Masked() {
		add(fieldErr("subnet", fmt.Sprintf("use the network address: %v", s.Subnet.Masked()),
			"subnet %v has host bits set", s.Subnet))
	} else if a := s.Subnet.Addr(); !a.IsGlobalUnicast() {
		add(fieldErr("subnet", "use a private network such as 192.168.56.0/21",
			"subnet %v is not a private network for hosts (loopback, multicast, link-local or reserved)", s.Subnet))
	} else if s.FirstHost < 2 {
		add(fieldErr("first_host", "use 2 or more: offset 0 is the network and 1 the host's own address on the network",
			"first host offset %d is reserved", s.FirstHost))
	} else if capacity := SubnetCapacity(s.Subnet, s.FirstHost); nodesOK && s.Nodes > capacity {
		add(fieldErr("subnet", fmt.Sprintf("use a larger subnet (e.g. /%d) or a smaller first_host; this one holds %d nodes", neededBits(s.Nodes+s.FirstHost+1), capacity),
			"subnet %v from host offset %d has room for %d nodes, not %d", s.Subnet, s.FirstHost, capacity, s.Nodes))
	} else if nodesOK && s.nodesOnNAT() {
		add(fieldErr("subnet", "use another range, such as 192.168.56.0/21",
			"subnet %v puts nodes in %v, the NAT network every VirtualBox VM (and every netns node's eth0) already has: the agents would never meet", s.Subnet, natNetwork))
	}
	if s.SSHPortBase < minPort || s.SSHPortBase > maxPort {
		add(fieldErr("ssh_port_base", fmt.Sprintf("use a port from %d to %d", minPort, maxPort),
			"SSH port base %d is out of range", s.SSHPortBase))
	} else if last := s.SSHPortBase + s.Nodes - 1; nodesOK && last > maxPort {
		add(fieldErr("ssh_port_base", fmt.Sprintf("use a port base of at most %d for %d nodes", maxPort-s.Nodes+1, s.Nodes),
			"SSH ports %d..%d run past %d", s.SSHPortBase, last, maxPort))
	}
	if n := len(s.Prefix) + 1 + len(strconv.Itoa(s.Nodes)); nodesOK && nameRE.MatchString(s.Prefix) && n > maxHostname {
		add(fieldErr("prefix", "use a shorter prefix", "hostnames would be %d characters, more than %d", n, maxHostname))
	}
	switch s.Agent.Profile {
	case "lan", "wan", "local":
	default:
		add(fieldErr("agent.profile", "use lan, wan or local", "unknown agent profile %s", Quote(s.Agent.Profile)))
	}
	switch s.Agent.Join {
	case JoinSeeds:
		if s.Agent.Seeds < 1 {
			add(fieldErr("agent.seeds", "use 1 or more (3 is usual)", "%d seeds: nodes would join nobody", s.Agent.Seeds))
		}
	case JoinMDNS:
	default:
		add(fieldErr("agent.join", `use "seeds" or "mdns"`, "unknown join method %s", Quote(s.Agent.Join)))
	}
	seen := map[string]bool{}
	for _, g := range s.Groups {
		f := fmt.Sprintf("group %q", g.Name)
		if !nameRE.MatchString(g.Name) {
			add(fieldErr(f, "use lowercase letters, digits, '_' and '-'", "invalid group name"))
			continue
		}
		if seen[g.Name] {
			add(fieldErr(f, "give each group its own name", "group defined twice"))
		}
		seen[g.Name] = true
		for k, v := range g.Tags {
			if !tagKeyRE.MatchString(k) {
				add(fieldErr(f+" tags", "use letters, digits, '_', '.', '-' in tag names", "invalid tag name %s", Quote(k)))
			}
			if tagValueBad.MatchString(v) || len(v) > 256 {
				add(fieldErr(f+" tags", "tag values are single-line text of at most 256 characters", "invalid value for tag %s", Quote(k)))
			}
		}
		if nodesOK && nameRE.MatchString(s.Prefix) {
			if _, err := Select(s.NodeNames(), []string{g.Nodes}); err != nil {
				add(fieldErr(f+" nodes", "", "%v", err))
			}
		}
	}
	if len(errs) == 0 {
		if node, size := s.largestTags(); size > MaxTagBytes {
			add(fieldErr(fmt.Sprintf("group %q tags", s.groupTagging(node)), "use fewer or shorter tags: the agent gossips them in every alive message",
				"the tags of %s take up to %d bytes encoded, more than the %d bytes memberlist carries per node", node, size, MaxTagBytes))
		}
	}
	return errs
}

// MaxTagBytes is memberlist's limit on a node's metadata, which holds
// its tags (memberlist.MetaMaxSize).
const MaxTagBytes = 512

// largestTags returns the node whose tags take the most bytes once
// encoded, and that size: the larger of labagent's encoding (its boot
// time, then key NUL value NUL) and Serf's (msgpack, up to 3 bytes of
// header per string).
func (s *Spec) largestTags() (string, int) {
	node, most := "", 0
	for _, n := range s.ResolveNodes() {
		la, serf := 20, 4
		for k, v := range n.Tags {
			la += len(k) + len(v) + 2
			serf += len(k) + len(v) + 6
		}
		if size := max(la, serf); size > most && len(n.Tags) > 0 {
			node, most = n.Name, size
		}
	}
	return node, most
}

// groupTagging is the last group that gives node tags (the one a user
// looks at first), for pointing at it in the lab file.
func (s *Spec) groupTagging(node string) string {
	name := ""
	for _, g := range s.Groups {
		if sel, err := Select(s.NodeNames(), []string{g.Nodes}); err == nil && len(g.Tags) > 0 && slices.Contains(sel, node) {
			name = g.Name
		}
	}
	return name
}

// Quote quotes a value given by the user for a message, shortened when
// long: a 5 MB name is not echoed back.
func Quote(v string) string {
	const keep = 40
	if len(v) <= keep+10 {
		return strconv.Quote(v)
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", strings.TrimSuffix(strconv.Quote(v[:cut]), `"`), len(v))
}

// CheckProvider refuses a provider that is not among known (the
// registry's names), as lab init and lab up do for a new lab.
func (s *Spec) CheckProvider(known []string) *FieldError {
	if slices.Contains(known, s.Provider) || !nameRE.MatchString(s.Provider) {
		return nil // an invalid name is Validate's
	}
	return fieldErr("provider", "use "+strings.Join(known, ", "), "unknown provider %s: this lab binary lacks it", Quote(s.Provider))
}

// nodesOnNAT reports whether any node's address falls in natNetwork.
func (s *Spec) nodesOnNAT() bool {
	b := s.Subnet.Addr().As4()
	first := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3]) + uint64(s.FirstHost)
	last := first + uint64(s.Nodes) - 1
	n := natNetwork.Addr().As4()
	natFirst := uint64(n[0])<<24 | uint64(n[1])<<16 | uint64(n[2])<<8 | uint64(n[3])
	return first <= natFirst+255 && last >= natFirst
}

// SubnetCapacity is the number of node addresses in p from host offset
// first up to, not including, the broadcast address.
func SubnetCapacity(p netip.Prefix, first int) int {
	hostBits := 32 - p.Bits()
	if hostBits >= 31 {
		hostBits = 30 // plenty; avoids overflow on absurd prefixes
	}
	size := 1 << hostBits
	c := size - 1 - first
	if c < 0 {
		return 0
	}
	return c
}

func neededBits(hosts int) int {
	bits := 32
	for bits > 0 && (1<<(32-bits)) < hosts {
		bits--
	}
	return bits
}

// NodeName is the machine name of node i (1-based).
func (s *Spec) NodeName(i int) string { return s.Prefix + "_" + strconv.Itoa(i) }

// NodeNames lists every node's machine name in order.
func (s *Spec) NodeNames() []string {
	names := make([]string, s.Nodes)
	for i := range names {
		names[i] = s.NodeName(i + 1)
	}
	return names
}

// Hostname turns a machine name into a valid hostname.
func Hostname(name string) string { return strings.ReplaceAll(name, "_", "-") }

// ResolveNodes gives every node its address, port and tags. The spec must
// be valid.
func (s *Spec) ResolveNodes() []Node {
	nodes := make([]Node, s.Nodes)
	base := s.Subnet.Addr().As4()
	baseN := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	names := s.NodeNames()
	for i := range nodes {
		a := baseN + uint32(s.FirstHost+i)
		nodes[i] = Node{
			Index:    i + 1,
			Name:     names[i],
			Hostname: Hostname(names[i]),
			IP:       netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}),
			SSHPort:  s.SSHPortBase + i,
			Tags:     map[string]string{},
		}
	}
	for _, g := range s.Groups {
		sel, err := Select(names, []string{g.Nodes})
		if err != nil {
			continue // reported by Validate
		}
		for _, name := range sel {
			n := &nodes[indexOf(names, name)]
			for k, v := range g.Tags {
				n.Tags[k] = v
			}
		}
	}
	return nodes
}

func indexOf(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

// SortedTags renders tags as k=v pairs in key order.
func SortedTags(tags map[string]string) []string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k + "=" + tags[k]
	}
	return out
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
