package box

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gossiplab/gossiplab/internal/execx"
)

// layout is the disk: an MBR partition table, a FAT /boot partition that
// syslinux boots from, and an ext4 root partition filling the rest.
type layout struct {
	size             int64 // bytes
	bootOff, bootLen int64
	rootOff, rootLen int64
	// rootUUID is the root file system's UUID; bootSerial the FAT volume
	// serial (8 hex digits); labelID the MBR disk identifier. They derive
	// from the box name, so that rebuilding a box gives the same ones.
	rootUUID, bootSerial, labelID string
}

const (
	mib      = 1 << 20
	bootSize = 128 * mib // two kernels and initramfs, for an upgrade
)

func newLayout(name string, size int64) layout {
	sum := sha256.Sum256([]byte("gossiplab box " + name))
	h := hex.EncodeToString(sum[:])
	return layout{
		size:    size,
		bootOff: mib, bootLen: bootSize,
		rootOff: mib + bootSize, rootLen: size - mib - bootSize,
		// A random-looking (version 4) UUID from the hash.
		rootUUID:   h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32],
		bootSerial: h[32:40],
		labelID:    "0x" + h[40:48],
	}
}

// bootSerialUUID is the FAT volume serial as fstab and blkid write it.
func (l layout) bootSerialUUID() string {
	s := strings.ToUpper(l.bootSerial)
	return s[:4] + "-" + s[4:]
}

// sfdiskScript is the partition table in sfdisk's input format.
func (l layout) sfdiskScript() string {
	return fmt.Sprintf("label: dos\nlabel-id: %s\nunit: sectors\n\nstart=%d, size=%d, type=e, bootable\nstart=%d, size=%d, type=83\n",
		l.labelID, l.bootOff/512, l.bootLen/512, l.rootOff/512, l.rootLen/512)
}

// makeDisk writes the partition table and both file systems into a
// sparse raw image, the root one filled from the installed system. The
// image is all zeros to begin with: mke2fs skips zeroing its inode tables
// and journal, and the machine's kernel does not do it at first mount.
func (b *builder) makeDisk(ctx context.Context) error {
	if err := os.Rename(filepath.Join(b.rootfs, "boot"), b.boot); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(b.rootfs, "boot"), 0o755); err != nil {
		return err
	}
	if err := b.writeManifest(); err != nil {
		return err
	}
	f, err := os.Create(b.disk)
	if err != nil {
		return err
	}
	err = f.Truncate(b.layout.size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	l := b.layout
	steps := []execx.Cmd{
		{Args: []string{"sfdisk", "--quiet", b.disk}, Stdin: strings.NewReader(l.sfdiskScript())},
		{Args: []string{"mkfs.vfat", "-F", "16", "--offset", strconv.FormatInt(l.bootOff/512, 10),
			"-h", strconv.FormatInt(l.bootOff/512, 10), "-n", "BOOT", "-i", l.bootSerial,
			b.disk, strconv.FormatInt(l.bootLen/1024, 10)}},
		{Args: []string{"mke2fs", "-q", "-t", "ext4", "-L", "root", "-U", l.rootUUID,
			"-E", "offset=" + strconv.FormatInt(l.rootOff, 10) + ",hash_seed=" + l.rootUUID + ",assume_storage_prezeroed=1",
			"-d", b.rootfs, b.disk, strconv.FormatInt(l.rootLen/1024, 10) + "k"},
			Env: []string{"E2FSPROGS_FAKE_TIME=" + strconv.FormatInt(b.o.SourceDateEpoch, 10)}},
	}
	for _, c := range steps {
		if err := b.run(ctx, c); err != nil {
			return err
		}
	}
	// The system is in the image now: free the space before converting.
	return os.RemoveAll(b.rootfs)
}

// installBootloader copies the kernel, initramfs and syslinux.cfg to the
// FAT partition, installs syslinux there and its boot code in the MBR.
func (b *builder) installBootloader(ctx context.Context) error {
	entries, err := os.ReadDir(b.boot)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return fmt.Errorf("no files in /boot")
	}
	fat := b.disk + "@@" + strconv.FormatInt(b.layout.bootOff, 10)
	args := []string{"mcopy", "-i", fat, "-s", "-m", "-Q"}
	for _, e := range entries {
		args = append(args, filepath.Join(b.boot, e.Name()))
	}
	env := []string{"MTOOLS_SKIP_CHECK=1"}
	if err := b.run(ctx, execx.Cmd{Args: append(args, "::/"), Env: env}); err != nil {
		return err
	}
	if err := b.run(ctx, execx.Cmd{Args: []string{"syslinux", "--install", "--offset", strconv.FormatInt(b.layout.bootOff, 10), b.disk}, Env: env}); err != nil {
		return err
	}
	return writeMBRCode(b.disk, mbrCode)
}

// writeMBRCode copies the boot code (the first 440 bytes) of code into
// the image's first sector, leaving the disk identifier and partition
// table after it alone.
func writeMBRCode(disk, code string) error {
	data, err := os.ReadFile(code)
	if err != nil {
		return err
	}
	if len(data) > 440 {
		data = data[:440]
	}
	f, err := os.OpenFile(disk, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
