package netns

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"

	"github.com/gossiplab/gossiplab/lab"
)

// A lab of N nodes that all talk to each other would otherwise resolve
// addresses by ARP all the time: an agent probes one random member a
// second, so at a few hundred nodes almost every probe finds its entry
// stale or gone, and an ARP request is a broadcast that the bridge hands
// to every node, whose kernel looks it up and drops it. That is O(N) work
// per probe, O(N^2) a second for the lab, and it runs in the sender's
// system call: at 100 nodes it was two thirds of the agents' cost of
// sending a packet. So every node's eth1 gets a MAC address derived from
// its IP, and every node knows the others' as permanent neighbour
// entries: no ARP between nodes at all. Permanent entries are exempt from
// the kernel's neighbour-table garbage collection and its gc_thresh3
// limit. A node missing from a node's table (one added to the lab later)
// is still reached by ordinary ARP.

// macOf is the MAC address of the node whose lab IP is ip: locally
// administered (02), then 67 ("g"), then the four bytes of the address.
func macOf(ip netip.Addr) string {
	b := ip.As4()
	return fmt.Sprintf("02:67:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3])
}

// neighbourLines are the ip batch lines that give node n its MAC and a
// permanent neighbour entry for every other node of the lab. They must
// run while eth1 is down or right before it goes up: taking a link down
// flushes its permanent entries too, so every boot adds them again.
func neighbourLines(l *lab.Lab, n lab.Node) []string {
	lines := make([]string, 0, len(l.Nodes)+1)
	lines = append(lines, "link set eth1 address "+macOf(n.IP))
	for _, o := range l.Nodes {
		if o.Name == n.Name || !o.IP.Is4() {
			continue
		}
		lines = append(lines, "neigh replace "+o.IP.String()+" lladdr "+macOf(o.IP)+" dev eth1 nud permanent")
	}
	return lines
}

// bridgeNetfilter are the bridge namespace's sysctls that pass bridged
// frames through the IP and ARP firewalls (br_netfilter). The bridge
// namespace has no rules, and lab faults are nftables rules inside the
// nodes, so the hooks only cost time on every packet between nodes.
var bridgeNetfilter = []string{
	"/proc/sys/net/bridge/bridge-nf-call-iptables",
	"/proc/sys/net/bridge/bridge-nf-call-ip6tables",
	"/proc/sys/net/bridge/bridge-nf-call-arptables",
}

// bridgeFirewallOff turns the hooks off in the bridge namespace br; a
// kernel without br_netfilter has nothing to turn off.
func bridgeFirewallOff(br string) error {
	return inNetns(nsPath(br), func() error {
		for _, name := range bridgeNetfilter {
			err := os.WriteFile(name, []byte("0\n"), 0o644)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("bridge namespace %s: %w", name, err)
			}
		}
		return nil
	})
}
