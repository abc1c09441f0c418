package lab

import (
	"fmt"
	"net/netip"
	"strconv"
)

// The nodes of a lab that is not listed are made from nodes, prefix,
// subnet, first_host and ssh_port_base.

// validateMade checks what makes the nodes of a lab that is not listed:
// their number, machine-name prefix, subnet and SSH ports.
func (s *Spec) validateMade(nodesOK bool) []*FieldError {
	var errs []*FieldError
	add := func(e *FieldError) { errs = append(errs, e) }
	if !nodesOK {
		add(fieldErr("nodes", fmt.Sprintf("use a number from 1 to %d", MaxNodes), "%d nodes is out of range", s.Nodes))
	}
	if !nameRE.MatchString(s.Prefix) || len(s.Prefix) > 40 {
		add(fieldErr("prefix", "use lowercase letters, digits, '_' and '-', starting with a letter or digit (e.g. web)",
			"invalid machine-name prefix %s", Quote(s.Prefix)))
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
	return errs
}

// madeNodes are the nodes of a lab that is not listed: addresses from
// the subnet, SSH ports from the port base.
func (s *Spec) madeNodes(names []string) []Node {
	if s.Listed() {
		return nil
	}
	nodes := make([]Node, s.Nodes)
	base := s.Subnet.Addr().As4()
	baseN := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
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
	return nodes
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
