// Package box builds minimal Debian bookworm Vagrant boxes, offline from
// Debian's packages, for the machines of a gossiplab lab: a box boots in
// 128 MB of memory, and takes well under a minute to reach SSH even
// without hardware virtualisation.
//
// Build installs a fixed list of packages (Packages) with mmdebstrap from
// the host's apt sources (or a given mirror), turns the result into a
// Vagrant base box (user vagrant with passwordless sudo and Vagrant's
// insecure public keys, sshd with host keys made at first boot, DHCP on
// the first NIC and ifupdown for Vagrant's private networks, a small
// initramfs), writes it to a normal bootable disk (an MBR partition table,
// syslinux on a FAT /boot partition, ext4 root) and packages the disk for
// each requested provider:
//
//   - libvirt: a tar.gz holding metadata.json, box.img (qcow2) and a
//     Vagrantfile, as vagrant-libvirt expects;
//   - virtualbox: a tar.gz holding box.ovf, a streamOptimized VMDK, the
//     OVF manifest of checksums (box.mf), metadata.json and a Vagrantfile
//     with the base MAC.
//
// Every box also holds manifest.txt (the same file as
// /usr/share/gossiplab/box-manifest.txt inside): the packages and versions
// the build resolved, the kernel and the SOURCE_DATE_EPOCH it used.
//
//	res, err := box.Build(ctx, box.Options{
//		Outputs:  []box.Output{{Provider: box.Libvirt, Path: "bookworm.box"}},
//		Progress: myProgress,
//	})
//
// Build needs root (mmdebstrap chroots into the new system; mke2fs keeps
// the owners of its files), mmdebstrap, qemu-img, mke2fs, mkfs.vfat,
// mtools, syslinux and sfdisk. It mounts nothing on the host and uses no
// loop device: mmdebstrap runs in a mount namespace of its own and the
// file systems are written into the disk image directly, so cancelling
// the context (Ctrl-C) leaves nothing but the temporary directory, which
// Build removes. It never replaces an existing file unless asked to.
package box
