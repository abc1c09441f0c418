package netns

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// labView is what exists of a lab on the host: its namespaces and the
// processes in them, and its forwarders.
type labView struct {
	ns    map[string]uint64 // namespace name -> inode
	procs []proc
	name  string // the lab's name
}

func (p *Provider) labProcs(l *lab.Lab) (*labView, error) {
	if err := checkOwner(l); err != nil {
		return nil, err
	}
	ns, err := listNamespaces(labPrefix(l.Spec.Name))
	if err != nil {
		return nil, err
	}
	inodes := map[uint64]bool{}
	for _, ino := range ns {
		inodes[ino] = true
	}
	procs, err := scanProcs(inodes)
	if err != nil {
		return nil, err
	}
	return &labView{ns: ns, procs: procs, name: l.Spec.Name}, nil
}

// holder returns the pid of the holder running in namespace ns, or 0.
func (v *labView) holder(ns string) int {
	ino, ok := v.ns[ns]
	if !ok {
		return 0
	}
	for _, pr := range v.procs {
		if pr.netIno == ino && pr.init && pr.cmd == "" {
			return pr.pid
		}
	}
	return 0
}

// in lists the pids of every process in namespace ns.
func (v *labView) in(ns string) []int {
	ino, ok := v.ns[ns]
	if !ok {
		return nil
	}
	var pids []int
	for _, pr := range v.procs {
		if pr.netIno == ino && pr.cmd == "" {
			pids = append(pids, pr.pid)
		}
	}
	return pids
}

// forwarders lists the pids of the lab's forwarders.
func (v *labView) forwarders() []int {
	var pids []int
	for _, pr := range v.procs {
		if pr.cmd != "" && strings.Contains(pr.cmd, " forward ") && strings.Contains(pr.cmd+" ", " -lab "+v.name+" ") {
			pids = append(pids, pr.pid)
		}
	}
	return pids
}

// strayHolders lists holders of this lab found by their command line
// whose namespace lost its name (deleted by hand): only the command line
// still ties them to the lab.
func (v *labView) strayHolders() []int {
	var pids []int
	for _, pr := range v.procs {
		if pr.cmd != "" && strings.Contains(pr.cmd, " node -ns "+labPrefix(v.name)) {
			pids = append(pids, pr.pid)
		}
	}
	return pids
}

// ensureForwarder starts the lab's forwarder unless one runs with the
// same routes: one per node whose namespace exists, so the ports of nodes
// not created stay free.
func (p *Provider) ensureForwarder(ctx context.Context, l *lab.Lab) error {
	exist, err := listNamespaces(labPrefix(l.Spec.Name))
	if err != nil {
		return err
	}
	spec := forwardSpec{Netns: nsPath(bridgeNS(l.Spec.Name))}
	for _, n := range l.Nodes {
		if _, ok := exist[nodeNS(l.Spec.Name, n.Name)]; !ok {
			continue
		}
		spec.Routes = append(spec.Routes, forwardRoute{
			Listen: "127.0.0.1:" + strconv.Itoa(n.SSHPort), Target: n.IP.String() + ":22",
		})
	}
	want, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	v, err := p.labProcs(l)
	if err != nil {
		return err
	}
	running := v.forwarders()
	have, _ := os.ReadFile(forwardConfig(l))
	if len(running) == 1 && bytes.Equal(have, want) {
		return nil
	}
	signalAll(running, unix.SIGKILL)
	waitGone(ctx, running, killWait)
	if err := atomicfile.WriteFile(forwardConfig(l), want, 0o644); err != nil {
		return err
	}
	return p.startHelper(ctx, "", forwardLog(l), "forward", "-lab", l.Spec.Name, "-config", forwardConfig(l))
}

// Halt stops every process of the nodes and takes their links down.
func (p *Provider) Halt(ctx context.Context, l *lab.Lab, nodes []string, force bool) error {
	if err := p.Check(ctx); err != nil {
		return err
	}
	v, err := p.labProcs(l)
	if err != nil {
		return err
	}
	sel, err := nodesOf(l, nodes)
	if err != nil {
		return fmt.Errorf("halt: %w", err)
	}
	return forEach(ctx, sel, 16, func(n lab.Node) error {
		ns := nodeNS(l.Spec.Name, n.Name)
		if _, ok := v.ns[ns]; !ok {
			return nil // not created: nothing runs
		}
		pids := v.in(ns)
		if h := v.holder(ns); h != 0 && !force {
			_ = unix.Kill(h, unix.SIGTERM)
			pids = waitGone(ctx, pids, p.opts.Grace+time.Second)
		}
		signalAll(pids, unix.SIGKILL)
		if left := waitGone(ctx, pids, killWait); len(left) > 0 {
			return hint.Errorf(slowDeath, "halt node %q: processes %v still run %s after SIGKILL", n.Name, left, killWait)
		}
		if !marked(dirsOf(l, n.Name).created(), v.ns[ns]) {
			return nil // half made: its links may not exist; lab up remakes it
		}
		if err := ipBatch(ctx, p.opts.Runner, ns, false, []string{"link set eth1 down", "link set eth0 down"}); err != nil {
			return fmt.Errorf("halt node %q: %w", n.Name, err)
		}
		return nil
	})
}

// Status reports every node: running (holder alive), halted (namespace
// made, nothing running) or not created.
func (p *Provider) Status(ctx context.Context, l *lab.Lab) ([]lab.NodeStatus, error) {
	if err := p.Check(ctx); err != nil {
		return nil, err // without root, other processes' namespaces cannot be read
	}
	v, err := p.labProcs(l)
	if err != nil {
		return nil, err
	}
	out := make([]lab.NodeStatus, 0, len(l.Nodes))
	for _, n := range l.Nodes {
		ns := nodeNS(l.Spec.Name, n.Name)
		st := lab.NodeStatus{Node: n.Name, State: lab.StateNotCreated, Detail: "no namespace"}
		switch ino, ok := v.ns[ns]; {
		case !ok:
		case v.holder(ns) != 0 && len(v.forwarders()) == 0:
			st.State, st.Detail = lab.StateRunning, "running, but the SSH forwarder is not: lab up restarts it"
		case v.holder(ns) != 0:
			st.State, st.Detail = lab.StateRunning, "running"
		case !marked(dirsOf(l, n.Name).created(), ino):
			st.State, st.Detail = lab.StateNotCreated, "namespace half made; lab up finishes it"
		default:
			st.State, st.Detail = lab.StateHalted, "halted"
		}
		out = append(out, st)
	}
	return out, nil
}

// Destroy kills every process of the lab's namespaces and its forwarder,
// deletes the namespaces and removes the node directories. It finds all
// of it by name, so it also cleans what a crashed run left, and does
// nothing when nothing is left.
func (p *Provider) Destroy(ctx context.Context, l *lab.Lab) error {
	if err := p.Check(ctx); err != nil {
		return err
	}
	v, err := p.labProcs(l)
	if err != nil {
		return err
	}
	var pids []int
	for ns := range v.ns {
		pids = append(pids, v.in(ns)...)
	}
	pids = append(pids, v.forwarders()...)
	pids = append(pids, v.strayHolders()...)
	signalAll(pids, unix.SIGKILL)
	if left := waitGone(ctx, pids, killWait); len(left) > 0 {
		return hint.Errorf(slowDeath, "destroy: processes %v still run %s after SIGKILL", left, killWait)
	}
	var lines []string
	for ns := range v.ns {
		lines = append(lines, "netns del "+ns)
	}
	if err := ipBatch(ctx, p.opts.Runner, "", true, lines); err != nil {
		return fmt.Errorf("destroy namespaces: %w", err)
	}
	for _, dir := range []string{l.Paths.NodesDir(), providerDir(l)} {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("destroy: %w", err)
		}
	}
	releaseName(l)
	p.restoreNeighbourTable()
	return nil
}

func releaseName(l *lab.Lab) {
	path := ownersDir + "/" + l.Spec.Name
	owner, err := os.ReadFile(path)
	if err != nil {
		return
	}
	if abs, err := absDir(l); err == nil && strings.TrimSpace(string(owner)) == abs {
		_ = os.Remove(path)
	}
}
