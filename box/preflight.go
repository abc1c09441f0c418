package box

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// ErrMirror wraps the failures a different Debian mirror fixes: the host's
// apt sources name no bookworm suite, or the mirror cannot be reached.
var ErrMirror = errors.New("no usable Debian mirror")

// mbrCode is syslinux's MBR boot code (syslinux-common).
const mbrCode = "/usr/lib/syslinux/mbr/mbr.bin"

// tool is a program Build runs and the Debian package that has it.
type tool struct{ name, pkg string }

func tools() []tool {
	return []tool{
		{"mmdebstrap", "mmdebstrap"},
		{"qemu-img", "qemu-utils"},
		{"mke2fs", "e2fsprogs"},
		{"mkfs.vfat", "dosfstools"},
		{"mcopy", "mtools"},
		{"syslinux", "syslinux"},
		{mbrCode, "syslinux-common"},
		{"sfdisk", "fdisk"},
		{"unshare", "util-linux"},
	}
}

// checkHost says what the host lacks to build a box: root, and the tools,
// with the apt-get command that installs them.
func checkHost(euid int, lookPath func(string) (string, error)) error {
	if euid != 0 {
		return hint.Errorf("run it as root, e.g. with sudo", "building a box needs root (mmdebstrap chroots into the new system, mke2fs keeps the owners of its files)")
	}
	var missing, pkgs []string
	for _, t := range tools() {
		var err error
		if strings.HasPrefix(t.name, "/") {
			_, err = os.Stat(t.name)
		} else {
			_, err = lookPath(t.name)
		}
		if err != nil {
			missing = append(missing, t.name)
			if !slices.Contains(pkgs, t.pkg) {
				pkgs = append(pkgs, t.pkg)
			}
		}
	}
	if len(missing) > 0 {
		return hint.Errorf("apt-get install "+strings.Join(pkgs, " "), "building a box needs %s, not found on this host", strings.Join(missing, ", "))
	}
	return nil
}

// hostLookPath is exec.LookPath that also searches the sbin directories
// (mke2fs, sfdisk), which a non-login root shell may lack in PATH.
func hostLookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if fi, err := os.Stat(dir + "/" + name); err == nil && fi.Mode()&0o111 != 0 {
			return dir + "/" + name, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, exec.ErrNotFound)
}

// mirrorTrouble tells whether mmdebstrap's output says that apt could not
// fetch from the mirror.
func mirrorTrouble(output string) bool {
	for _, s := range []string{"Failed to fetch", "Temporary failure resolving", "Could not resolve", "Could not connect", "Unable to connect", "does not have a Release file", "Unable to locate package", "apt-get update --error-on=any failed", "apt-get update failed"} {
		if strings.Contains(output, s) {
			return true
		}
	}
	return false
}
