package netns

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gossiplab/gossiplab/lab"
)

// Leftovers lists what exists on the host for this lab but belongs to no
// node of it, or was left half made, and labs whose directory is gone but
// whose namespaces remain. Destroy removes this lab's; the hint says how
// to remove another's.
func (p *Provider) Leftovers(ctx context.Context, l *lab.Lab) ([]string, error) {
	if err := p.Check(ctx); err != nil {
		return nil, err
	}
	v, err := p.labProcs(l)
	if err != nil {
		return nil, err
	}
	var out []string
	known := map[string]bool{bridgeNS(l.Spec.Name): true}
	for _, n := range l.Nodes {
		known[nodeNS(l.Spec.Name, n.Name)] = true
	}
	names := make([]string, 0, len(v.ns))
	for ns := range v.ns {
		names = append(names, ns)
	}
	sort.Strings(names)
	for _, ns := range names {
		ino := v.ns[ns]
		node := strings.TrimPrefix(ns, labPrefix(l.Spec.Name))
		switch {
		case !known[ns]:
			out = append(out, fmt.Sprintf("namespace %s with %d processes: %s is not a node of this lab (lab destroy removes it)", ns, len(v.in(ns)), node))
		case ns == bridgeNS(l.Spec.Name):
			if !marked(bridgeMarker(l), ino) {
				out = append(out, fmt.Sprintf("namespace %s: bridge half made by an interrupted lab up (lab up finishes it, lab destroy removes it)", ns))
			}
		case !marked(dirsOf(l, node).created(), ino):
			out = append(out, fmt.Sprintf("namespace %s: node half made by an interrupted lab up (lab up finishes it, lab destroy removes it)", ns))
		}
	}
	if fw := v.forwarders(); len(fw) > 1 {
		out = append(out, fmt.Sprintf("%d SSH forwarders run for this lab (pids %v), one is enough (lab destroy removes them)", len(fw), fw))
	} else if len(fw) == 1 && len(v.ns) == 0 {
		out = append(out, fmt.Sprintf("SSH forwarder pid %d runs without any node (lab destroy removes it)", fw[0]))
	}
	if stray := v.strayHolders(); len(stray) > 0 {
		out = append(out, fmt.Sprintf("node holders %v run in namespaces whose name was deleted (lab destroy kills them)", stray))
	}
	if entries, err := os.ReadDir(l.Paths.NodesDir()); err == nil {
		for _, e := range entries {
			if !known[nodeNS(l.Spec.Name, e.Name())] {
				out = append(out, fmt.Sprintf("node directory %s: not a node of this lab (lab destroy removes it)", filepath.Join(l.Paths.NodesDir(), e.Name())))
			}
		}
	}
	if mi, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		for _, line := range bytes.Split(mi, []byte{'\n'}) {
			if bytes.Contains(line, []byte(l.Paths.NodesDir())) {
				out = append(out, "host mount of a node directory: "+string(line))
			}
		}
	}
	return append(out, orphanLabs(l.Spec.Name)...), nil
}

// HostNotes says which host-wide settings netns labs changed.
func (p *Provider) HostNotes(ctx context.Context) []string {
	if n := neighbourNote(); n != "" {
		return []string{n}
	}
	return nil
}

// Orphans reports the labs on this host whose directory is gone.
func (p *Provider) Orphans(ctx context.Context) ([]string, error) { return orphanLabs(""), nil }

// orphanLabs reports labs whose namespaces exist while their directory
// is gone, so no lab destroy would ever find them by itself.
func orphanLabs(self string) []string {
	all, err := listNamespaces(nsPrefix)
	if err != nil {
		return nil
	}
	count := map[string]int{}
	for ns := range all {
		name, _, ok := strings.Cut(strings.TrimPrefix(ns, nsPrefix), ".")
		if ok && name != self {
			count[name]++
		}
	}
	var out []string
	for name, n := range count {
		owner, err := os.ReadFile(filepath.Join(ownersDir, name))
		dir := strings.TrimSpace(string(owner))
		if err == nil {
			if _, err := os.Stat(filepath.Join(dir, ".lab")); err == nil {
				continue // a live lab elsewhere
			}
		}
		out = append(out, fmt.Sprintf("lab %q has %d namespaces but its directory %q is gone\n  hint: in an empty directory run `lab init --provider netns --name %s` then `lab destroy --force`", name, n, dir, name))
	}
	sort.Strings(out)
	return out
}
