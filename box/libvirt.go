package box

import (
	"context"
	"path/filepath"

	"github.com/gossiplab/gossiplab/internal/execx"
)

// libvirtFormat is the box vagrant-libvirt takes: metadata.json, a qcow2
// box.img and a Vagrantfile.
type libvirtFormat struct{}

// libvirtMetadata is metadata.json; VirtualSize is in GiB.
type libvirtMetadata struct {
	Provider    string `json:"provider"`
	Format      string `json:"format"`
	VirtualSize int64  `json:"virtual_size"`
}

func (libvirtFormat) convert(ctx context.Context, b *builder) error {
	dir, err := b.dir(Libvirt)
	if err != nil {
		return err
	}
	// Compressed clusters: a smaller box; qemu reads them as usual and
	// writes to the machine's own overlay.
	return b.run(ctx, execx.Cmd{Args: []string{"qemu-img", "convert", "-q", "-c", "-O", "qcow2", b.disk, filepath.Join(dir, "box.img")}})
}

func (libvirtFormat) files(b *builder) ([]archiveFile, error) {
	meta, err := metadataJSON(libvirtMetadata{Provider: "libvirt", Format: "qcow2", VirtualSize: (b.layout.size + 1<<30 - 1) >> 30})
	if err != nil {
		return nil, err
	}
	vf, err := render("Vagrantfile.libvirt.tmpl", b.o)
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
		{name: "box.img", path: filepath.Join(b.work, string(Libvirt), "box.img")},
	}, nil
}
