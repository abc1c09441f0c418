package hosts

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/gossiplab/gossiplab/internal/boundedfile"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// MaxInventorySize is the largest inventory read, in bytes: 4,096 hosts
// with a line of variables each take well under it.
const MaxInventorySize = 1 << 20

// ListHosts lists the lab's nodes: the inventory's hosts, in the order the
// file first lists them, then the lab file's host blocks. A host's lab IP
// defaults to its address when that is an IP.
func (p *Provider) ListHosts(_ context.Context, spec lab.Spec, dir string) ([]lab.Host, error) {
	var hosts []lab.Host
	if spec.Inventory != "" {
		path := spec.Inventory
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		inv, err := ReadInventory(path)
		if err != nil {
			return nil, err
		}
		hosts = inv
	}
	for _, h := range spec.Hosts {
		if !h.FromInventory {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) == 0 && spec.Inventory == "" {
		return nil, hint.Errorf(`add inventory = "hosts.ini" (an Ansible inventory, INI or YAML) or host "NAME" { address = "..." } blocks to lab.hcl`,
			"lab %s: provider %s lists machines that exist, and lab.hcl names none", spec.Name, Name)
	}
	for i := range hosts {
		h := &hosts[i]
		if h.Address == "" {
			h.Address = h.Name
		}
		if !h.LabIP.IsValid() {
			if ip, err := netip.ParseAddr(h.Address); err == nil {
				h.LabIP = ip
			}
		}
	}
	return hosts, nil
}

// ReadInventory reads an Ansible inventory file, YAML when its name ends
// in .yml, .yaml or .json, INI otherwise, and returns its hosts. Errors
// name the file and line.
func ReadInventory(path string) ([]lab.Host, error) {
	src, err := boundedfile.ReadFile(path, MaxInventorySize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, hint.Errorf("write the inventory there, or point inventory in lab.hcl at it (a path relative to the lab directory)", "inventory %s: no such file", path)
	case err != nil:
		return nil, hint.Wrap(fmt.Errorf("read inventory: %w", err), fmt.Sprintf("an inventory is a regular file of at most %d MB", MaxInventorySize>>20))
	}
	var inv *inventory
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yml", ".yaml", ".json":
		inv, err = readYAML(path, src)
	default:
		inv, err = readINI(path, src)
	}
	if err != nil {
		return nil, err
	}
	return inv.labHosts(path)
}
