// Package virttest gives tests a libvirt of their own: a network namespace
// with a unique name (only its loopback is up), and virtlogd and libvirtd
// running inside it with private configuration and state directories, so
// that the networks, bridges, dnsmasq, firewall rules and qemu processes
// libvirt creates stay inside the namespace and never meet another run's
// libvirt (or the host's).
//
// A test asks for one with New, then runs vagrant, virsh or anything else
// inside through Env.Run, Env.Command or Env.Runner:
//
//	env := virttest.New(t, virttest.Options{Prefix: "box"})
//	out, err := env.Run(ctx, dir, "vagrant", "up", "--provider", "libvirt")
//
// Cleanup, registered by New, destroys every domain, volume, pool and
// network libvirt has, stops the daemons, kills whatever still runs in the
// namespace, deletes it and removes the private directories: when the test
// passes, fails or is interrupted (SIGINT, SIGTERM). A run killed outright
// (kill -9, or go test's -timeout, which exits without cleanups) leaves its
// namespace behind; the next New with the same prefix sweeps it, and Sweep
// does it on demand.
//
// How it works: the namespace's first process (its holder, started by
// `ip netns exec`, so that /sys shows the namespace's links) bind-mounts
// private directories over /etc/libvirt, /run/libvirt, /var/lib/libvirt,
// /var/log/libvirt and /var/cache/libvirt in its own mount namespace, and
// everything else enters both namespaces with nsenter. The host's libvirt
// configuration files are copied in, so the daemons behave as the host's
// would. Nothing is added to the root network namespace.
//
// It needs root, ip (iproute2), nsenter (util-linux), libvirtd, virtlogd,
// virsh (libvirt-daemon-system, libvirt-clients) and a qemu system
// emulator; New skips the test, saying which is missing, otherwise.
package virttest
