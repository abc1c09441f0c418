package agent

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/hashicorp/memberlist"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// resolveAddrs returns the IP to bind and the IP to advertise ("" lets
// memberlist choose a private address). With Interface set both come from
// that interface's first IPv4 address.
func resolveAddrs(c *Config) (bind, adv string, err error) {
	bind, adv = c.BindAddr, c.AdvertiseAddr
	if c.Interface != "" {
		ip, err := interfaceIPv4(c.Interface)
		if err != nil {
			return "", "", err
		}
		if bind == "" || bind == "0.0.0.0" {
			bind = ip.String()
		}
		if adv == "" {
			adv = ip.String()
		}
	}
	if bind == "" {
		bind = "0.0.0.0"
	}
	if _, err := netip.ParseAddr(bind); err != nil {
		return "", "", hint.Errorf("use -bind IP[:PORT] or -iface NAME", "bind address %q is not an IP address", bind)
	}
	if adv != "" {
		if _, err := netip.ParseAddr(adv); err != nil {
			return "", "", hint.Errorf("use -advertise IP[:PORT]", "advertise address %q is not an IP address", adv)
		}
	}
	return bind, adv, nil
}

func interfaceIPv4(name string) (netip.Addr, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return netip.Addr{}, hint.Errorf("list interfaces with `ip -4 addr` and pick the one on the lab network", "interface %q: %w", name, err)
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("addresses of interface %q: %w", name, err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap().Is4() {
				return ip.Unmap(), nil
			}
		}
	}
	return netip.Addr{}, hint.Errorf("list interfaces with `ip -4 addr` and pick the one on the lab network, or use -advertise", "interface %q has no IPv4 address", name)
}

// problem records an address or key problem once: logged as an error
// and reported by Info as "key: message", its hint on a line of its own.
func (a *Agent) problem(key string, p error) {
	a.mu.Lock()
	for _, p := range a.guard {
		if strings.HasPrefix(p, key+": ") {
			a.mu.Unlock()
			return
		}
	}
	a.guard = append(a.guard, key+": "+hint.Text(p))
	a.mu.Unlock()
	a.logger.Error(p.Error(), "problem", key, "hint", strings.Join(hint.All(p), "; "))
}

// Problems lists the address and key problems the agent found (empty when
// all is well); `labagent info` prints them.
func (a *Agent) Problems() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.guard...)
}

func (a *Agent) checkAdvertise(ip netip.Addr) {
	switch {
	case ip == netip.MustParseAddr(virtualBoxNATAddr):
		a.problem("nat-address", hint.Errorf("start the agent with -iface eth1 (the lab network's interface, enp0s8 on newer boxes) or -advertise <lab IP>",
			"advertising 10.0.2.15, the VirtualBox NAT address every VM has: peers would reach themselves and flap to failed"))
	case ip.IsLoopback() && a.cfg.BindAddr == "" && a.cfg.Interface == "":
		a.problem("loopback", hint.Errorf("use -iface or -advertise", "advertising a loopback address: other machines cannot reach it"))
	}
}

// fixAdvertise is the fix of two agents that advertise one address.
const fixAdvertise = "start each agent with -iface eth1 (the lab network) or -advertise <its own lab IP>"

// addressConflict: another member advertises the address this agent
// advertises.
func (a *Agent) addressConflict(other string, addr netip.AddrPort) {
	a.problem("address-conflict:"+other, hint.Errorf(fixAdvertise,
		"member %q advertises %s, the address this agent advertises: gossip for one reaches the other and members flap to failed (typically every VM advertising its NAT address 10.0.2.15)", other, addr))
}

func (a *Agent) nameConflict(existing, other *memberlist.Node) {
	a.problem("name-conflict:"+existing.Name, hint.Errorf("give every agent a unique -node name",
		"two agents use the node name %q (at %s and %s)", existing.Name, addrPort(existing.Addr, existing.Port), addrPort(other.Addr, other.Port)))
}

// watchMemberlistLine reacts to memberlist log lines that reveal a
// problem or a suspicion.
func (a *Agent) watchMemberlistLine(line string) {
	switch {
	case strings.HasPrefix(line, "Got ping for unexpected node"):
		node := "?"
		if f := strings.Fields(strings.TrimPrefix(line, "Got ping for unexpected node")); len(f) > 0 {
			node = strings.Trim(f[0], "'")
		}
		a.problem("unexpected-ping:"+node, hint.Errorf(fixAdvertise,
			"got a ping meant for member %q: it advertises an address that reaches this agent, so it will flap to failed (typically every VM advertising its NAT address 10.0.2.15)", node))
	case strings.Contains(strings.ToLower(line), "decrypt") || strings.Contains(line, "not encrypted"):
		a.problem("encryption", hint.Errorf("start every agent with the same -encrypt key (generate one with `labagent keygen`), or install it with `labagent keys -install`",
			"gossip from another agent could not be decrypted: the agents use different encryption keys (or one has none)"))
	case strings.HasPrefix(line, "Suspect ") && strings.HasSuffix(line, "has failed, no acks received"):
		node := strings.TrimSuffix(strings.TrimPrefix(line, "Suspect "), " has failed, no acks received")
		a.mu.Lock()
		var ap netip.AddrPort
		if m := a.members[node]; m != nil {
			ap = m.AddrPort
		}
		a.mu.Unlock()
		a.journal.Append(Entry{Type: EntryMemberSuspect, Node: node, Addr: ap})
	}
}

// peerAddrs resolves node names to their IPs, for the fault transport's
// partitions.
func (a *Agent) peerAddrs(names []string) []netip.Addr {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []netip.Addr
	for _, n := range names {
		if m := a.members[n]; m != nil {
			out = append(out, m.AddrPort.Addr())
		}
	}
	return out
}
