package netns

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/internal/parallel"
	"github.com/gossiplab/gossiplab/lab"
)

// Check reports what the host lacks to run netns labs.
func (p *Provider) Check(ctx context.Context) error {
	var missing, fixes []string
	if os.Geteuid() != 0 {
		missing, fixes = append(missing, "not root"), append(fixes, "run lab as root (sudo)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		missing, fixes = append(missing, "no ip command"), append(fixes, "apt-get install iproute2")
	}
	if _, err := os.Stat(sshdBinary); err != nil {
		missing, fixes = append(missing, "no "+sshdBinary), append(fixes, "apt-get install openssh-server")
	}
	if len(missing) > 0 {
		return hint.Errorf(strings.Join(fixes, "; "), "the netns provider cannot run here: %s", strings.Join(missing, ", "))
	}
	return nil
}

// Up creates and boots nodes; nodes already running are only checked for
// a reachable sshd, so Up finishes a lab a crashed or interrupted Up left.
func (p *Provider) Up(ctx context.Context, l *lab.Lab, nodes []string, opts lab.UpOptions) error {
	if err := p.Check(ctx); err != nil {
		return err
	}
	if err := claimName(l); err != nil {
		return err
	}
	authorized, err := ensureKey(l.Paths.SSHKey(), "lab@"+l.Spec.Name)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := p.ensureNeighbourTable(len(l.Nodes)); err != nil {
		return err
	}
	if err := p.ensureBridge(ctx, l); err != nil {
		return err
	}
	sel, err := nodesOf(l, nodes)
	if err != nil {
		return fmt.Errorf("up: %w", err)
	}
	if err := p.createLinks(ctx, l, sel); err != nil {
		return err
	}
	p.log.Debug("namespaces and links made", "lab", l.Spec.Name, "nodes", len(sel), "took", time.Since(t0))
	if err := p.ensureForwarder(ctx, l); err != nil {
		return err
	}
	p.log.Debug("forwarder running", "lab", l.Spec.Name, "took", time.Since(t0))
	procs, err := p.labProcs(l)
	if err != nil {
		return err
	}
	parallel := opts.Parallel
	if parallel <= 0 {
		parallel = 8
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(string, lab.Phase) {}
	}
	return forEach(ctx, sel, parallel, func(n lab.Node) error {
		start := time.Now()
		if procs.holder(nodeNS(l.Spec.Name, n.Name)) == 0 {
			if err := p.bootNode(ctx, l, n, authorized); err != nil {
				return fmt.Errorf("boot node %q: %w", n.Name, err)
			}
		}
		booted := time.Since(start)
		progress(n.Name, lab.PhaseBooted)
		if err := p.waitSSH(ctx, l, n); err != nil {
			return fmt.Errorf("node %q: %w", n.Name, err)
		}
		progress(n.Name, lab.PhaseSSHReachable)
		p.log.Debug("node up", "node", n.Name, "boot", booted, "sshd", time.Since(start)-booted)
		return nil
	})
}

// forEach runs fn for every node, at most limit at a time, and stops
// starting new ones at the first error or when ctx ends.
func forEach(ctx context.Context, nodes []lab.Node, limit int, fn func(lab.Node) error) error {
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	var failed []error
	for _, err := range parallel.Each(inner, len(nodes), limit, func(_ context.Context, i int) error {
		err := fn(nodes[i])
		if err != nil {
			cancel()
		}
		return err
	}) {
		if err != nil && !errors.Is(err, parallel.ErrNotStarted) {
			failed = append(failed, err)
		}
	}
	if len(failed) == 0 && ctx.Err() != nil {
		return ctx.Err()
	}
	return errors.Join(failed...)
}

// claimName records which directory owns the lab name on this host, and
// refuses a second lab with the same name: they would share namespaces.
func claimName(l *lab.Lab) error {
	if err := checkOwner(l); err != nil {
		return err
	}
	abs, err := absDir(l)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(ownersDir, 0o755); err != nil {
		return fmt.Errorf("claim lab name: %w", err)
	}
	if err := os.MkdirAll(providerDir(l), 0o755); err != nil {
		return fmt.Errorf("claim lab name: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(ownersDir, l.Spec.Name), []byte(abs+"\n"), 0o644)
}

// checkOwner refuses to act on a lab name that another directory's lab
// owns on this host: the namespaces are found by name, so a second
// directory with the same name would halt, destroy or report the first
// one's nodes. A name whose owner's directory is gone (an orphan, see
// lab doctor) may be taken over.
func checkOwner(l *lab.Lab) error {
	abs, err := absDir(l)
	if err != nil {
		return err
	}
	owner, err := os.ReadFile(filepath.Join(ownersDir, l.Spec.Name))
	other := strings.TrimSpace(string(owner))
	if err != nil || other == abs {
		return nil
	}
	if _, err := os.Stat(filepath.Join(other, ".lab", "netns")); err != nil {
		return nil
	}
	return hint.Errorf(fmt.Sprintf("give this lab another name in its lab.hcl, or run the command on the owner: lab --dir %s ...", other),
		"lab name %q is already used on this host by the lab in %s (this directory, %s, does not own it)", l.Spec.Name, other, abs)
}

// marked reports whether marker records the inode of namespace ns, that
// is, whether ns was fully configured by an earlier run.
func marked(marker string, ino uint64) bool {
	data, err := os.ReadFile(marker)
	return err == nil && ino != 0 && strings.TrimSpace(string(data)) == strconv.FormatUint(ino, 10)
}

func mark(marker, ns string) error {
	ino, err := nsInode(nsPath(ns))
	if err != nil {
		return fmt.Errorf("mark namespace %s: %w", ns, err)
	}
	if err := os.MkdirAll(filepath.Dir(marker), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(marker, []byte(strconv.FormatUint(ino, 10)+"\n"), 0o644)
}

// ensureBridge makes the bridge namespace, unless a complete one exists.
func (p *Provider) ensureBridge(ctx context.Context, l *lab.Lab) error {
	br := bridgeNS(l.Spec.Name)
	ino, _ := nsInode(nsPath(br))
	if marked(bridgeMarker(l), ino) {
		return bridgeFirewallOff(br) // also on a bridge made by an older lab
	}
	if ino != 0 { // half made by an interrupted run
		if err := ipBatch(ctx, p.opts.Runner, "", false, []string{"netns del " + br}); err != nil {
			return fmt.Errorf("remove incomplete bridge namespace: %w", err)
		}
	}
	if err := ipBatch(ctx, p.opts.Runner, "", false, []string{"netns add " + br}); err != nil {
		return fmt.Errorf("make bridge namespace: %w", err)
	}
	err := ipBatch(ctx, p.opts.Runner, br, false, []string{
		"link set lo up",
		"link add " + bridgeDev + " type bridge",
		"addr add " + bridgeAddr(l.Spec).String() + " dev " + bridgeDev,
		"link set " + bridgeDev + " up",
	})
	if err != nil {
		return fmt.Errorf("make lab bridge: %w", err)
	}
	if err := bridgeFirewallOff(br); err != nil {
		return err
	}
	return mark(bridgeMarker(l), br)
}

// createLinks makes the namespaces and links of the nodes that lack them:
// one ip process in the host's namespace, one in the bridge's, one per
// node. A node half made by an interrupted run is made again.
func (p *Provider) createLinks(ctx context.Context, l *lab.Lab, nodes []lab.Node) error {
	existing, err := listNamespaces(labPrefix(l.Spec.Name))
	if err != nil {
		return err
	}
	br := bridgeNS(l.Spec.Name)
	var todo []lab.Node
	var stale, rootLines, brLines []string
	var staleIno = map[uint64]bool{}
	for _, n := range nodes {
		ns := nodeNS(l.Spec.Name, n.Name)
		ino, ok := existing[ns]
		if ok && marked(dirsOf(l, n.Name).created(), ino) {
			continue
		}
		if ok {
			stale = append(stale, "link del "+bridgePort(n.Index), "link del "+natPort(n.Index))
			rootLines = append(rootLines, "netns del "+ns)
			staleIno[ino] = true
		}
		todo = append(todo, n)
		rootLines = append(rootLines, "netns add "+ns,
			fmt.Sprintf("link add %s netns %s type veth peer name eth1 netns %s", bridgePort(n.Index), br, ns),
			fmt.Sprintf("link add %s netns %s type veth peer name eth0 netns %s", natPort(n.Index), br, ns))
		brLines = append(brLines, "link set "+bridgePort(n.Index)+" master "+bridgeDev, "link set "+bridgePort(n.Index)+" up",
			"link set "+natPort(n.Index)+" up")
	}
	if len(todo) == 0 {
		return nil
	}
	if len(staleIno) > 0 {
		if err := p.clearStale(ctx, br, staleIno, stale); err != nil {
			return err
		}
	}
	if err := ipBatch(ctx, p.opts.Runner, "", false, rootLines); err != nil {
		return fmt.Errorf("make node namespaces: %w", err)
	}
	if err := ipBatch(ctx, p.opts.Runner, br, false, brLines); err != nil {
		return fmt.Errorf("attach nodes to the lab bridge: %w", err)
	}
	return forEach(ctx, todo, 8, func(n lab.Node) error {
		ns := nodeNS(l.Spec.Name, n.Name)
		err := ipBatch(ctx, p.opts.Runner, ns, false, []string{
			"addr add " + natAddr + " dev eth0",
			"addr add " + netipPrefix(l, n) + " dev eth1",
		})
		if err != nil {
			return fmt.Errorf("configure node %q: %w", n.Name, err)
		}
		return mark(dirsOf(l, n.Name).created(), ns)
	})
}

// clearStale kills the processes in the namespaces (by inode) of nodes
// an interrupted run left half made, and deletes their bridge ports
// (ports: ip batch lines); createLinks then deletes the namespaces.
func (p *Provider) clearStale(ctx context.Context, br string, inodes map[uint64]bool, ports []string) error {
	ps, err := scanProcs(inodes)
	if err != nil {
		return err
	}
	pids := make([]int, 0, len(ps))
	for _, pr := range ps {
		if pr.cmd == "" {
			pids = append(pids, pr.pid)
		}
	}
	signalAll(pids, unix.SIGKILL)
	waitGone(ctx, pids, killWait)
	_ = ipBatch(ctx, p.opts.Runner, br, true, ports) // the ports may be gone already
	return nil
}

func netipPrefix(l *lab.Lab, n lab.Node) string {
	return n.IP.String() + "/" + strconv.Itoa(l.Spec.Subnet.Bits())
}

// bootNode brings the node's links up and starts its holder, which
// mounts the node's file system and starts sshd and rc.local.
func (p *Provider) bootNode(ctx context.Context, l *lab.Lab, n lab.Node, authorized []byte) error {
	d := dirsOf(l, n.Name)
	if err := writeNodeFiles(d, n.Hostname, n.IP.String(), authorized); err != nil {
		return err
	}
	ns := nodeNS(l.Spec.Name, n.Name)
	// The multicast route lets mDNS discovery (agent join = "mdns") open
	// its socket in a node that has no default route; it stays on eth1.
	// The neighbour entries spare the lab ARP (arp_linux.go).
	lines := append(neighbourLines(l, n), "link set lo up", "link set eth0 up", "link set eth1 up",
		"route replace 224.0.0.0/4 dev eth1")
	if err := ipBatch(ctx, p.opts.Runner, ns, false, lines); err != nil {
		return fmt.Errorf("links up: %w", err)
	}
	return p.startHelper(ctx, nsPath(ns), d.bootLog(), "node",
		"-ns", ns, "-dir", d.root, "-hostname", n.Hostname, "-grace", p.opts.Grace.String())
}
