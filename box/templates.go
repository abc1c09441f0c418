package box

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"
)

//go:embed templates
var templateFiles embed.FS

// phaseMarker starts the lines the customize script prints when it moves
// to a phase: "gossiplab-box-phase: initramfs".
const phaseMarker = "gossiplab-box-phase:"

// insecureKeys are Vagrant's insecure public keys (ed25519, which Vagrant
// 2.3.8 and later try first, and RSA, which earlier versions use). Their
// private halves ship with Vagrant; Vagrant replaces them with a key of
// the machine's own at first boot.
const insecureKeys = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN1YdxBpNlzxDqfJyw/QKow1F+wvG9hXGoqiysfJOn5Y vagrant insecure public key
ssh-rsa AAAAB3NzaC1yc2EAAAABIwAAAQEA6NF8iallvQVp22WDkTkyrtvp9eWW6A8YVr+kz4TjGYe7gHzIw+niNltGEFHzD8+v1I2YJ6oXevct1YeS0o9HZyN1Q9qgCgzUFtdOKLv6IedplqoPkcmF0aYet2PkEDo3MlTBckFXPITAMzF8dJSIFo9D8HfdOV0IAdx4O7PtixWKn5y2hMNG0zQPyUecp4pzC6kivAIhyfHilFR61RGL+GPXQ2MWZWFYbAGjyiYJnAmCP3NOTd0jMZEnDkbUvxhMmBYSdETk1rRgm+R4LOzFUGaHqHDLKLX+FIPKcF96hrucXzcWyLbIbEgE98OHlnVYCzRdK8jlqm8tehUc9c9WhQ== vagrant insecure public key
`

// initramfsModules are the drivers the initramfs holds (with their
// dependencies): the disk controllers libvirt (virtio) and VirtualBox
// (PIIX4 IDE) give a machine. ext4 is built into the kernel.
func initramfsModules() []string {
	return []string{"virtio_pci", "virtio_blk", "virtio_scsi", "ata_piix", "sd_mod"}
}

// customizeParams fill templates/customize.sh.tmpl.
type customizeParams struct {
	Marker           string
	AuthorizedKeys   string
	Hostname         string
	RootUUID         string
	BootUUID         string
	KernelArgs       string
	InitramfsModules string
	Agent            string // path on the host, or ""
	PackagesFile     string // where dpkg-query's list goes, on the host
}

// render fills the template templates/name with data.
func render(name string, data any) ([]byte, error) {
	t, err := template.New(name).Funcs(template.FuncMap{"sh": shQuote}).ParseFS(templateFiles, "templates/"+name)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// shQuote quotes s for sh.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
