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
	// Inventory is a file listing the lab's nodes, relative to the lab
	// directory, read by a provider that lists its nodes (NodeSource).
	Inventory string `json:",omitempty"`
	// Hosts are the nodes of a listed lab (see Listed): the lab file's
	// host blocks and, once its provider listed them (ListHosts), the
	// inventory's. A listed lab's nodes, prefix, subnet, first_host and
	// ssh_port_base are not used.
	Hosts []Host `json:",omitempty"`
	// Libvirt is the lab file's libvirt block: how the libvirt provider
	// runs the VMs. Other providers do not read it.
	Libvirt LibvirtSpec `json:",omitzero"`
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
	// Pos is where the value is written when the lab file is not the
	// place (an inventory's file:line); empty otherwise.
	Pos string
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
	if s.Listed() {
		hostErrs := s.validateHosts()
		errs = append(errs, hostErrs...)
		nodesOK = len(hostErrs) == 0
	} else {
		errs = append(errs, s.validateMade(nodesOK)...)
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
	errs = append(errs, s.validateLibvirt()...)
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
		if nodesOK && (s.Listed() || nameRE.MatchString(s.Prefix)) {
			if _, err := Select(s.NodeNames(), []string{g.Nodes}); err != nil {
				add(fieldErr(f+" nodes", "", "%v", err))
			}
		}
	}
	if len(errs) == 0 {
		if node, size := s.largestTags(); size > MaxTagBytes {
			field := fmt.Sprintf("group %q tags", s.groupTagging(node))
			if s.groupTagging(node) == "" { // an inventory's tags
				field = fmt.Sprintf("host %s", Quote(node))
			}
			add(fieldErr(field, "use fewer or shorter tags: the agent gossips them in every alive message",
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

// NodeName is the machine name of node i (1-based).
func (s *Spec) NodeName(i int) string { return s.Prefix + "_" + strconv.Itoa(i) }

// NodeNames lists every node's machine name in order.
func (s *Spec) NodeNames() []string {
	if s.Listed() {
		names := make([]string, len(s.Hosts))
		for i, h := range s.Hosts {
			names[i] = h.Name
		}
		return names
	}
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
	names := s.NodeNames()
	nodes := s.madeNodes(names)
	if s.Listed() {
		nodes = s.listedNodes()
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
