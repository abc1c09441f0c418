package lab

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// Host is a node of a lab whose nodes are listed rather than made: a
// machine that exists before the lab and stays after it, written in the
// lab file as a host block or read from an inventory by the lab's
// provider (a NodeSource).
type Host struct {
	Name string // the node's machine name, as in selectors
	// Address is where SSH reaches the host: a name or an IP; empty means
	// Name.
	Address string
	// Port is the SSH port; 0 means 22.
	Port int
	// User is the SSH login; empty means root.
	User string
	// IdentityFile is the SSH private key, as written (relative to the lab
	// directory, or starting with ~/); empty leaves the choice to the
	// provider.
	IdentityFile string
	// LabIP is the address the agent binds to and advertises; the
	// provider fills it from Address when that is an IP.
	LabIP netip.Addr
	// Tags are the host's own tags (an inventory's lab_tag_ variables and
	// groups); the lab file's group blocks add theirs.
	Tags map[string]string
	// Pos is where the host is listed (file:line), for messages.
	Pos string
	// FromInventory: read from the inventory, not a host block of the lab
	// file (lab init, rewriting lab.hcl, writes only the blocks).
	FromInventory bool
}

// NodeSource is implemented by providers whose nodes are machines that
// exist before the lab, listed in an inventory rather than made from
// nodes, prefix and subnet. Wherever lab resolves a lab's nodes (Open, and
// the commands that read lab.hcl with flags) it asks the lab's provider for
// the list when the provider is one (ListHosts).
type NodeSource interface {
	// ListHosts returns every node of the lab spec describes, whose
	// directory is dir: the lab file's host blocks (spec.Hosts) and what
	// the source reads (spec.Inventory, relative to dir), with LabIP set.
	// Errors name the file and line at fault.
	ListHosts(ctx context.Context, spec Spec, dir string) ([]Host, error)
}

// ProviderGetter finds a provider by name; *Registry has it.
type ProviderGetter interface {
	Get(name string) (Provider, error)
}

// Listed reports whether the spec's nodes are listed (host blocks or an
// inventory) rather than made from nodes, prefix and subnet.
func (s *Spec) Listed() bool { return s.Inventory != "" || len(s.Hosts) > 0 }

// ListHosts sets spec's nodes from its provider prov (nil: the registry
// lacks it) when prov is a NodeSource; spec.Nodes becomes their number.
// A lab file that lists nodes for a provider that makes its own is
// refused.
func ListHosts(ctx context.Context, spec *Spec, dir string, prov Provider) error {
	src, ok := prov.(NodeSource)
	if !ok {
		if spec.Listed() && prov != nil {
			return hint.Errorf("remove inventory and the host blocks, or use a provider that lists its nodes (lab doctor lists the providers)",
				"lab %s: inventory and host blocks list machines that exist, but provider %s makes its nodes from nodes, prefix and subnet", spec.Name, prov.Info().Name)
		}
		return nil
	}
	hosts, err := src.ListHosts(ctx, *spec, dir)
	if err != nil {
		return err
	}
	spec.Hosts, spec.Nodes = hosts, len(hosts)
	return nil
}

// validateHosts checks a listed spec's hosts: their number, names,
// addresses and ports, each error naming where the host is listed.
func (s *Spec) validateHosts() []*FieldError {
	var errs []*FieldError
	if len(s.Hosts) == 0 {
		return []*FieldError{fieldErr("inventory", "list hosts in the inventory, or write host blocks in lab.hcl", "no hosts listed")}
	}
	if len(s.Hosts) > MaxNodes {
		return []*FieldError{fieldErr("inventory", fmt.Sprintf("list at most %d hosts", MaxNodes), "%d hosts listed", len(s.Hosts))}
	}
	names := map[string]string{}
	ips := map[netip.Addr]string{}
	for _, h := range s.Hosts {
		add := func(hint, format string, a ...any) {
			e := fieldErr(fmt.Sprintf("host %s", Quote(h.Name)), hint, format, a...)
			e.Pos = h.Pos
			errs = append(errs, e)
		}
		switch {
		case !nameRE.MatchString(h.Name) || len(h.Name) > maxHostname:
			add(fmt.Sprintf("name nodes with lowercase letters, digits, '_' and '-' (at most %d), starting with a letter or digit, and give the machine's address apart, e.g. web1 ansible_host=web1.example.com", maxHostname),
				"unusable as a node name: it names the node in the cluster, in selectors and in the firewall rules of lab chaos")
		case names[h.Name] != "":
			add("give each host its own name", "listed twice (also at %s)", names[h.Name])
		}
		names[h.Name] = h.Pos
		switch {
		case !h.LabIP.IsValid():
			add("set lab_ip to the IPv4 address the agent should bind and advertise", "no lab IP: its address %s is not an IP", Quote(h.Address))
		case !h.LabIP.Is4():
			add("set lab_ip to an IPv4 address: lab chaos's firewall rules match IPv4", "lab IP %v is not IPv4", h.LabIP)
		case ips[h.LabIP] != "":
			add("give each host its own lab_ip", "lab IP %v is also %s's", h.LabIP, ips[h.LabIP])
		}
		ips[h.LabIP] = h.Name
		if h.Port < 0 || h.Port > maxPort {
			add("use an SSH port from 1 to 65535", "SSH port %d is out of range", h.Port)
		}
		for k, v := range h.Tags {
			if !tagKeyRE.MatchString(k) || tagValueBad.MatchString(v) || len(v) > 256 {
				add("tag names hold letters, digits, '_', '.', '-'; values are single-line text of at most 256 characters", "invalid tag %s", Quote(k+"="+v))
			}
		}
	}
	return errs
}

// listedNodes are the nodes of a listed spec, in listing order.
func (s *Spec) listedNodes() []Node {
	nodes := make([]Node, len(s.Hosts))
	for i, h := range s.Hosts {
		tags := make(map[string]string, len(h.Tags))
		for k, v := range h.Tags {
			tags[k] = v
		}
		port := h.Port
		if port == 0 {
			port = 22
		}
		nodes[i] = Node{Index: i + 1, Name: h.Name, Hostname: Hostname(h.Name), IP: h.LabIP, SSHPort: port, Tags: tags}
	}
	return nodes
}
