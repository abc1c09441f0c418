package netns

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// The kernel's neighbour (ARP) table is shared by every network
// namespace, and its default hard limit (gc_thresh3 = 1024 entries) is
// far below what a lab of N nodes that all talk to each other needs:
// about N*(N-1) entries, 2,652 for 52 nodes. Past the limit the kernel
// logs "neighbour table overflow" and nodes stop reaching each other.
//
// Up raises the limits when a lab needs more, after recording what they
// were in neighSaved; Destroy of the last netns lab on the host puts them
// back, unless someone changed them meanwhile.
const neighDir = "/proc/sys/net/ipv4/neigh/default/"

// neighSaved records the host's own limits while labs have them raised.
var neighSaved = filepath.Join(filepath.Dir(ownersDir), "neigh.json")

// neighRecord is neighSaved's content: per sysctl, the host's value and
// the one lab set.
type neighRecord struct {
	Was map[string]int `json:"was"`
	Set map[string]int `json:"set"`
}

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
	rec := loadNeighRecord()
	if rec.Was != nil && cur3 != rec.Set["gc_thresh3"] {
		rec = neighRecord{} // changed by someone since: their value is the host's now
	}
	if rec.Was == nil { // the host's own values: recorded once
		rec.Was = map[string]int{"gc_thresh2": cur2, "gc_thresh3": cur3}
	}
	rec.Set = map[string]int{"gc_thresh3": need, "gc_thresh2": max(cur2, need/2)}
	if err := saveNeighRecord(rec); err != nil {
		return err
	}
	for _, name := range []string{"gc_thresh3", "gc_thresh2"} {
		if err := writeSysctlInt(neighDir+name, rec.Set[name]); err != nil {
			return hint.Errorf(fmt.Sprintf("run sysctl -w net.ipv4.neigh.default.%s=%d as root", name, rec.Set[name]), "raise net.ipv4.neigh.default.%s to %d for %d nodes: %w", name, rec.Set[name], n, err)
		}
	}
	p.log.Info("raised the host's ARP table limit for the lab's nodes (put back when the last netns lab is destroyed)",
		"sysctl", "net.ipv4.neigh.default.gc_thresh3", "from", cur3, "to", need, "nodes", n)
	return nil
}

// restoreNeighbourTable lowers the limits a lab raised to what the labs
// still on the host need, and puts the host's own values back once no
// lab needs more, unless someone changed them since.
func (p *Provider) restoreNeighbourTable() {
	rec := loadNeighRecord()
	if rec.Was == nil {
		return
	}
	all, err := listNamespaces(nsPrefix)
	if err != nil {
		return
	}
	nodes := map[string]int{} // lab name -> its nodes' namespaces, as Up counts them
	for ns := range all {
		if name, _, ok := strings.Cut(strings.TrimPrefix(ns, nsPrefix), "."); ok && ns != bridgeNS(name) {
			nodes[name]++
		}
	}
	need := 0
	for _, n := range nodes {
		need = max(need, neighbourEntries(n))
	}
	want := map[string]int{"gc_thresh3": max(rec.Was["gc_thresh3"], need), "gc_thresh2": max(rec.Was["gc_thresh2"], need/2)}
	for _, name := range []string{"gc_thresh2", "gc_thresh3"} {
		cur, err := readSysctlInt(neighDir + name)
		if err != nil || cur != rec.Set[name] {
			p.log.Info("leaving the host's ARP table limit as it is: it changed since a lab raised it", "sysctl", "net.ipv4.neigh.default."+name, "now", cur)
			_ = os.Remove(neighSaved)
			return
		}
	}
	for _, name := range []string{"gc_thresh2", "gc_thresh3"} {
		if err := writeSysctlInt(neighDir+name, want[name]); err != nil {
			p.log.Warn("could not lower the host's ARP table limit", "sysctl", "net.ipv4.neigh.default."+name, "to", want[name], "err", err)
			return
		}
	}
	if want["gc_thresh3"] == rec.Was["gc_thresh3"] {
		_ = os.Remove(neighSaved)
		p.log.Info("put the host's ARP table limits back", "gc_thresh2", rec.Was["gc_thresh2"], "gc_thresh3", rec.Was["gc_thresh3"])
		return
	}
	rec.Set = want
	_ = saveNeighRecord(rec)
}

// neighbourNote says what labs changed in the host's neighbour table, for
// lab doctor; empty when nothing.
func neighbourNote() string {
	rec := loadNeighRecord()
	if rec.Was == nil {
		return ""
	}
	cur3, _ := readSysctlInt(neighDir + "gc_thresh3")
	return fmt.Sprintf("net.ipv4.neigh.default.gc_thresh3 is %d, raised by lab from the host's %d (gc_thresh2 from %d); put back when the last netns lab is destroyed",
		cur3, rec.Was["gc_thresh3"], rec.Was["gc_thresh2"])
}

func loadNeighRecord() neighRecord {
	var rec neighRecord
	if b, err := os.ReadFile(neighSaved); err == nil {
		_ = json.Unmarshal(b, &rec) // unreadable: as if none, the values stay
	}
	return rec
}

func saveNeighRecord(rec neighRecord) error {
	b, _ := json.Marshal(rec)
	if err := os.MkdirAll(filepath.Dir(neighSaved), 0o755); err != nil {
		return fmt.Errorf("record the host's ARP table limits: %w", err)
	}
	return atomicfile.WriteFile(neighSaved, append(b, '\n'), 0o644)
}

func readSysctlInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

func writeSysctlInt(path string, v int) error {
	return os.WriteFile(path, []byte(strconv.Itoa(v)+"\n"), 0o644)
}
