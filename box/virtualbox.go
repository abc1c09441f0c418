package box

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gossiplab/gossiplab/internal/execx"
)

// virtualboxFormat is the box Vagrant's VirtualBox provider imports: an
// OVF appliance (box.ovf, a streamOptimized VMDK and box.mf, the SHA256
// checksums VirtualBox checks on import), metadata.json and a Vagrantfile
// with the base MAC Vagrant gives the first NIC.
type virtualboxFormat struct{}

const vmdkName = "box-disk001.vmdk"

func (virtualboxFormat) convert(ctx context.Context, b *builder) error {
	dir, err := b.dir(VirtualBox)
	if err != nil {
		return err
	}
	return b.run(ctx, execx.Cmd{Args: []string{"qemu-img", "convert", "-q", "-O", "vmdk", "-o", "subformat=streamOptimized", b.disk, filepath.Join(dir, vmdkName)}})
}

// ovfParams fill templates/box.ovf.tmpl.
type ovfParams struct {
	Name      string // the virtual system's name
	Disk      string // the VMDK's file name
	DiskBytes int64  // its size
	Capacity  int64  // the disk's virtual size, bytes
	MemoryMB  int
	CPUs      int
}

func (virtualboxFormat) files(b *builder) ([]archiveFile, error) {
	dir := filepath.Join(b.work, string(VirtualBox))
	vmdk := filepath.Join(dir, vmdkName)
	fi, err := os.Stat(vmdk)
	if err != nil {
		return nil, err
	}
	ovf, err := render("box.ovf.tmpl", ovfParams{
		Name: strings.ReplaceAll(b.o.Name, "/", "-"), Disk: vmdkName, DiskBytes: fi.Size(),
		Capacity: b.layout.size, MemoryMB: 512, CPUs: 1,
	})
	if err != nil {
		return nil, err
	}
	vmdkSum, err := fileSHA256(vmdk)
	if err != nil {
		return nil, err
	}
	ovfSum := sha256.Sum256(ovf)
	mf := fmt.Sprintf("SHA256(box.ovf)= %s\nSHA256(%s)= %s\n", hex.EncodeToString(ovfSum[:]), vmdkName, vmdkSum)
	meta, err := metadataJSON(struct {
		Provider string `json:"provider"`
	}{"virtualbox"})
	if err != nil {
		return nil, err
	}
	vf, err := render("Vagrantfile.virtualbox.tmpl", struct{ Name, BaseMAC string }{b.o.Name, baseMAC(b.o.Name)})
	if err != nil {
		return nil, err
	}
	man, err := b.manifest()
	if err != nil {
		return nil, err
	}
	return []archiveFile{
		{name: "metadata.json", data: meta},
		{name: "Vagrantfile", data: vf},
		{name: "manifest.txt", data: man},
		{name: "box.ovf", data: ovf},
		{name: "box.mf", data: []byte(mf)},
		{name: vmdkName, path: vmdk},
	}, nil
}

// baseMAC is the first NIC's MAC address: VirtualBox's prefix 08:00:27
// and three bytes from the box name.
func baseMAC(name string) string {
	sum := sha256.Sum256([]byte("gossiplab box mac " + name))
	return "080027" + strings.ToUpper(hex.EncodeToString(sum[:3]))
}
