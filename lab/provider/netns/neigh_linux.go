package netns

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The kernel's neighbour (ARP) table is shared by every network
// namespace, and its default hard limit (gc_thresh3 = 1024 entries) is
// far below what a lab of N nodes that all talk to each other needs:
// about N*(N-1) entries, 2,652 for 52 nodes. Past the limit the kernel
// logs "neighbour table overflow" and nodes stop reaching each other.
const neighDir = "/proc/sys/net/ipv4/neigh/default/"

// neighbourEntries is how many ARP entries a lab of n nodes needs, with
// room for the bridge's own and for other labs.
func neighbourEntries(n int) int { return 2*n*n + 1024 }

// ensureNeighbourTable raises the host's neighbour-table limits when a
// lab of n nodes needs more than they allow, and logs what it changed.
func (p *Provider) ensureNeighbourTable(n int) error {
	need := neighbourEntries(n)
	cur3, err := readSysctlInt(neighDir + "gc_thresh3")
	if err != nil || cur3 >= need {
		return nil // unreadable: leave it to lab doctor; or already enough
	}
	cur2, _ := readSysctlInt(neighDir + "gc_thresh2")
	for _, kv := range []struct {
		name string
		val  int
	}{{"gc_thresh3", need}, {"gc_thresh2", max(cur2, need/2)}} {
		if err := os.WriteFile(neighDir+kv.name, []byte(strconv.Itoa(kv.val)+"\n"), 0o644); err != nil {
			return fmt.Errorf("raise net.ipv4.neigh.default.%s to %d for %d nodes: %w\nhint: run sysctl -w net.ipv4.neigh.default.%s=%d as root", kv.name, kv.val, n, err, kv.name, kv.val)
		}
	}
	p.log.Info("raised the host's ARP table limit for the lab's nodes",
		"sysctl", "net.ipv4.neigh.default.gc_thresh3", "from", cur3, "to", need, "nodes", n)
	return nil
}

func readSysctlInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}
