// Package vagrant is the lab's Vagrant provider: it boots, halts, reloads
// and destroys a lab's nodes by running the vagrant CLI in the lab
// directory, where lab init rendered the Vagrantfile (one machine per
// node), for VirtualBox or libvirt.
//
// # Using it
//
// main builds one Provider per Vagrant provider and registers both:
//
//	vb, err := vagrant.New(vagrant.Options{Provider: "virtualbox", Runner: execx.Exec{}, Logger: logger})
//	lv, err := vagrant.New(vagrant.Options{Provider: "libvirt", Runner: execx.Exec{}, Logger: logger})
//
// Options.Runner runs every command (tests pass a recorder);
// Options.Parallel bounds Halt and Reload (default 4); Up takes its bound
// from lab.UpOptions.Parallel.
//
// # What it runs
//
//	Check          vagrant --version; VBoxManage --version (virtualbox);
//	               vagrant plugin list --machine-readable (libvirt)
//	Status         vagrant status --machine-readable
//	SSHEndpoints   vagrant ssh-config --machine-readable NODE...   (once per node, cached until it reboots)
//	Up virtualbox  vagrant up --provider=virtualbox --machine-readable NODE   (one process per node, K at a time)
//	Up libvirt     vagrant up --parallel --provider=libvirt --machine-readable NODE...   (batches of K)
//	Halt           vagrant halt [--force] --machine-readable NODE
//	Reload         vagrant reload --machine-readable NODE
//	Destroy        vagrant destroy -f --machine-readable NODE...   (only the nodes that exist)
//
// Every vagrant command runs with VAGRANT_DEFAULT_PROVIDER set to the
// lab's provider, so that machines not created yet report it. Up boots the
// first node alone, then the rest: the box is fetched and the linked-clone
// master imported once, and a failure every node would share is reported
// once. VirtualBox ignores `vagrant up --parallel`, hence one process per
// node there. Progress reports a node booted when Vagrant waits for the
// started VM ("Waiting for machine to boot") and sshd reachable when
// Vagrant has logged in ("Machine booted and ready!"). Cancelling the
// context kills the running vagrant processes and starts no more; a later
// Up resumes (vagrant up boots what exists and creates what does not).
//
// # Output and errors
//
// Machine-readable records (timestamp,target,type,data...) are parsed with
// Vagrant's escapes undone (%!(VAGRANT_COMMA) is a comma, \n a newline).
// Vagrant's state ids map onto lab.NodeState (running; poweroff, aborted,
// saved, paused, gurumeditation, shutoff, pmsuspended, crashed are halted;
// not_created; anything transitional or broken is unknown) and
// NodeStatus.Detail keeps Vagrant's word. A failed command returns an
// *Error carrying the command line to re-run (without --machine-readable),
// Vagrant's own message (its error-exit record, or all it printed) and,
// for failures a user can fix, a hint: the host-only address
// outside VirtualBox's allowed ranges (the line to add to
// /etc/vbox/networks.conf), a box that cannot be found, VirtualBox or
// libvirt missing, a forwarded port in use, a node not running, a node
// made under the other provider, a Vagrant too old for the Vagrantfile.
// Status says when a machine exists under another provider than the lab's.
//
// # libvirt
//
// vagrant-libvirt 0.11.2 differs from VirtualBox where lab relies on it,
// so the rendered libvirt machines carry more settings (vagrantgen):
// lv.forward_ssh_port = true, without which the node's id "ssh" forward
// to 127.0.0.1 is silently dropped; lv.driver from lab.hcl's libvirt
// block ("kvm", or "qemu" for software emulation) and, under "qemu", a
// translation cache (tcg_cache_mb, 64 MB by default: qemu's own 1 GB
// makes each VM over 1.3 GB resident) as the last lv.features entry;
// graphics and video "none"; config.vm.guest = :debian for the gossiplab
// boxes (no guest detection, seconds per probe under emulation).
// vagrant-libvirt's ssh-config names the management address and port
// 22, so SSHEndpoints keeps its user and key but connects to
// 127.0.0.1:SSHPort, the forward lab declared. Footprint counts qemu
// (50 MB) and the translation cache on top of guest memory; PlanChecks
// and HostChecks say whether KVM is usable (a /dev/kvm that opens and a
// CPU with vmx or svm) and so which driver applies; NewLabDefaults gives
// a new libvirt lab the gossiplab box, 256 MB and, without KVM, driver
// "qemu".
//
// # Minimum versions
//
// Vagrant 2.2.19 or later (see MinVersion for what needs it, from
// Vagrant's CHANGELOG): forwarded_port host_ip (1.9.3), validate
// --ignore-provider (2.2.1; without the provider installed since 2.2.3),
// and the check of host-only addresses against VirtualBox 6.1.28's allowed
// ranges (2.2.19). VirtualBox 7.0 needs Vagrant 2.3.2 and 7.1 needs 2.4.2;
// Check says so. For libvirt, the vagrant-libvirt plugin and a running
// libvirt daemon.
package vagrant
