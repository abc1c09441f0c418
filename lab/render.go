package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"text/template"
	"time"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/templates"
	"github.com/gossiplab/gossiplab/vagrantgen"
)

// RenderLabFile returns the lab.hcl text for spec.
func RenderLabFile(spec Spec) ([]byte, error) {
	funcs := template.FuncMap{
		"hcl": func(s string) string {
			return string(bytes.TrimSpace(hclwrite.TokensForValue(cty.StringVal(s)).Bytes()))
		},
		"hostname": Hostname,
		"tags": func(tags map[string]string) []string {
			var out []string
			for _, kv := range SortedTags(tags) {
				k, v, _ := cutEq(kv)
				out = append(out, fmt.Sprintf("%s = %s", hclKey(k), bytes.TrimSpace(hclwrite.TokensForValue(cty.StringVal(v)).Bytes())))
			}
			return out
		},
	}
	tmpl, err := template.New("lab.hcl").Funcs(funcs).Parse(templates.LabFile())
	if err != nil {
		return nil, fmt.Errorf("parse lab file template: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, spec); err != nil {
		return nil, fmt.Errorf("render lab file: %w", err)
	}
	return buf.Bytes(), nil
}

func cutEq(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// hclKey writes a map key bare when it is an identifier, quoted otherwise.
func hclKey(k string) string {
	if hclIdentRE.MatchString(k) {
		return k
	}
	return string(bytes.TrimSpace(hclwrite.TokensForValue(cty.StringVal(k)).Bytes()))
}

// Vagrantfile renders the lab's Vagrantfile.
func (l *Lab) Vagrantfile() ([]byte, error) {
	if l.Spec.Provider == ProviderNetns {
		return nil, errors.New("the netns provider does not use a Vagrantfile")
	}
	vl := vagrantgen.Lab{
		Name: l.Spec.Name, Provider: l.Spec.Provider, Box: l.Spec.Box, BoxVersion: l.Spec.BoxVersion,
		MemoryMB: l.Spec.MemoryMB, CPUs: l.Spec.CPUs, LinkedClone: l.Spec.LinkedClone, Subnet: l.Spec.Subnet,
	}
	for _, n := range l.Nodes {
		vl.Machines = append(vl.Machines, vagrantgen.Machine{Name: n.Name, Hostname: n.Hostname, IP: n.IP, SSHPort: n.SSHPort})
	}
	return vagrantgen.Render(vl)
}

// WriteResult says what WriteGenerated did.
type WriteResult string

// Outcomes of WriteGenerated.
const (
	Created   WriteResult = "created"
	Updated   WriteResult = "updated"
	Unchanged WriteResult = "unchanged"
	Replaced  WriteResult = "replaced (previous copy kept in %s)"
)

// ErrUserFile is wrapped when a file the user changed would be overwritten.
var ErrUserFile = errors.New("file changed by its owner")

// WriteVagrantfile writes data to the lab's Vagrantfile unless the
// existing file was edited since lab generated it (or was never generated
// by lab); force overwrites it after copying it to the backup directory.
func WriteVagrantfile(p Paths, data []byte, force bool, now time.Time) (string, error) {
	path := p.Vagrantfile()
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
			return "", err
		}
		return string(Created), nil
	case err != nil:
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if bytes.Equal(old, data) {
		return string(Unchanged), nil
	}
	origin := vagrantgen.Inspect(old)
	if origin == vagrantgen.Generated {
		if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
			return "", err
		}
		return string(Updated), nil
	}
	if !force {
		return "", fmt.Errorf("%w: %s was %s, so lab will not overwrite it\nhint: move your changes into lab.hcl, or pass --force (lab keeps a copy of the current file in %s)",
			ErrUserFile, path, origin, p.BackupDir())
	}
	backup, err := Backup(p, path, old, now)
	if err != nil {
		return "", err
	}
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return "", err
	}
	return fmt.Sprintf(string(Replaced), backup), nil
}

// Backup copies a user's file into the lab's backup directory before lab
// replaces it, and returns the copy's path.
func Backup(p Paths, path string, data []byte, now time.Time) (string, error) {
	if err := os.MkdirAll(p.BackupDir(), 0o755); err != nil {
		return "", fmt.Errorf("back up %s: %w", path, err)
	}
	dst := filepath.Join(p.BackupDir(), filepath.Base(path)+"."+now.UTC().Format("20060102T150405.000000000Z"))
	if err := atomicfile.WriteFile(dst, data, 0o644); err != nil {
		return "", fmt.Errorf("back up %s: %w", path, err)
	}
	return dst, nil
}
