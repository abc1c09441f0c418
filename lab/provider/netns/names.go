package netns

import (
	"net/netip"
	"path/filepath"
	"strconv"

	"github.com/gossiplab/gossiplab/lab"
)

// Names of what the provider makes for a lab. A '.' separates the lab's
// name from the rest: lab names cannot hold one, so lab "a" never claims
// the namespaces of lab "a-b".
const (
	nsPrefix   = "gl-"
	runNetns   = "/run/netns"
	bridgeDev  = "br0"
	natAddr    = "10.0.2.15/24"
	ownersDir  = "/run/gossiplab/netns" // lab name -> lab directory, one file per lab
	sshdBinary = "/usr/sbin/sshd"
)

// labPrefix is the prefix of every namespace of lab name.
func labPrefix(name string) string { return nsPrefix + name + "." }

// nodeNS is the network namespace of a node.
func nodeNS(labName, node string) string { return labPrefix(labName) + node }

// bridgeNS is the namespace holding the lab's bridge.
func bridgeNS(labName string) string { return labPrefix(labName) + "br" }

// nsPath is where ip netns keeps a named namespace.
func nsPath(name string) string { return filepath.Join(runNetns, name) }

// bridgePort is the bridge-side end of node i's veth pair.
func bridgePort(index int) string { return "v" + strconv.Itoa(index) }

// natPort is the far end of node i's eth0: a veth end in the bridge
// namespace attached to nothing, so eth0 has a carrier and no way out.
func natPort(index int) string { return "x" + strconv.Itoa(index) }

// bridgeAddr is br0's address: the subnet's first host, with its prefix.
func bridgeAddr(s lab.Spec) netip.Prefix {
	return netip.PrefixFrom(s.Subnet.Addr().Next(), s.Subnet.Bits())
}

// nodeDirs are the parts of a node's directory.
type nodeDirs struct{ root string }

// dirsOf gives a node's directories as absolute paths: they end up in
// mount options and in the holder's command line.
func dirsOf(l *lab.Lab, node string) nodeDirs {
	dir := l.Paths.NodeDir(node)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return nodeDirs{root: dir}
}

func (d nodeDirs) upper(what string) string { return filepath.Join(d.root, "upper", what) }
func (d nodeDirs) work(what string) string  { return filepath.Join(d.root, "work", what) }
func (d nodeDirs) usrLocalBin() string      { return filepath.Join(d.root, "usr-local-bin") }
func (d nodeDirs) varLog() string           { return filepath.Join(d.root, "var-log") }
func (d nodeDirs) home() string             { return filepath.Join(d.root, "root") }
func (d nodeDirs) bootLog() string          { return filepath.Join(d.root, "boot.log") }

// created marks a node whose namespace is fully configured; it holds the
// namespace's inode, so a namespace made again (or lost with /run on a
// host reboot) is not taken for configured.
func (d nodeDirs) created() string { return filepath.Join(d.root, "created") }

// providerDir holds the lab-wide files of this provider.
func providerDir(l *lab.Lab) string { return filepath.Join(l.Paths.StateDir(), "netns") }

func forwardConfig(l *lab.Lab) string { return filepath.Join(providerDir(l), "forward.json") }
func forwardLog(l *lab.Lab) string    { return filepath.Join(providerDir(l), "forward.log") }
func bridgeMarker(l *lab.Lab) string  { return filepath.Join(providerDir(l), "bridge-created") }

// absDir is the lab directory as recorded in the owners file.
func absDir(l *lab.Lab) (string, error) { return filepath.Abs(l.Paths.Dir) }
