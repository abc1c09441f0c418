// Package netns is the VM-free lab provider: every node is a set of Linux
// namespaces on the host instead of a virtual machine, so a lab of 250
// nodes costs megabytes and boots in seconds. It needs Linux, root,
// iproute2 and Debian's openssh-server.
//
// # What a node is
//
// For a lab "gossip", node web_3 is:
//
//   - the network namespace gl-gossip.web_3 (named, under /run/netns) with
//     lo up, eth0 = 10.0.2.15/24 on a veth link to nowhere (as VirtualBox
//     NAT gives every VM; its far end, x3, sits unattached in the bridge
//     namespace) and eth1 = the node's lab IP, one end of a veth pair
//     whose other end (v3) is a port of bridge br0;
//   - a holder process, PID 1 of the node's own PID, mount and UTS
//     namespaces, started inside the node's network namespace. It sets the
//     hostname, gives the node its own /etc and /var/lib (overlayfs: the
//     host's directory below, .lab/nodes/web_3/upper/... above), its own
//     empty /usr/local/bin, /var/log and /root (bind mounts of directories
//     under .lab/nodes/web_3/), and fresh /run, /tmp, /proc and /sys; then
//     it starts sshd on eth1:22 and /etc/rc.local when it is executable,
//     reaps orphans, and on SIGTERM stops every process of the node.
//
// The bridge lives in a namespace of its own, gl-gossip.br, holding br0
// with the subnet's first address. Nothing is added to the host's own
// network namespace: no link, no address, no route, and no lab namespace
// has a default route, so no lab packet can leave the machine.
//
// The controller reaches nodes like Vagrant's forwarded ports: one
// forwarder process per lab listens on 127.0.0.1:SSHPort for every node
// and dials the node's eth1:22 from a socket made inside the bridge
// namespace. So `ssh -p 2300 -i .lab/id_ed25519 root@127.0.0.1` works as
// with Vagrant.
//
// The holder and the forwarder are the lab binary itself, re-executed
// with HelperArg as its first argument: main must call RunHelper first
// thing when IsHelper(os.Args) (tests do the same in TestMain).
//
// # Life cycle
//
// Halt sends SIGTERM to the holder, which passes it to every process of
// the node and exits when they are gone or after a grace period (its exit
// kills what is left); force sends SIGKILL at once. Then eth0 and eth1 go
// down. The node's directories persist, like a VM's disk, and boot mounts
// them again. Destroy kills every process of the lab's namespaces and the
// forwarder, deletes the namespaces and removes the node directories.
// Everything is found by name (gl-<lab>.*) and by namespace, not from a
// record, so cleanup also works after a crashed or killed lab up.
package netns
