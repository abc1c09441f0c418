package box

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
)

// format is how a box is packaged for one provider.
type format interface {
	// convert writes the provider's disk image from the raw disk.
	convert(ctx context.Context, b *builder) error
	// files lists the files of the box, in the order they are archived.
	files(b *builder) ([]archiveFile, error)
}

func formatOf(p Provider) format {
	if p == VirtualBox {
		return virtualboxFormat{}
	}
	return libvirtFormat{}
}

// dir is the provider's directory in the work directory.
func (b *builder) dir(p Provider) (string, error) {
	d := filepath.Join(b.work, string(p))
	return d, os.MkdirAll(d, 0o755)
}

// metadataJSON renders a box's metadata.json.
func metadataJSON(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	return append(data, '\n'), err
}
