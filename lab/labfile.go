package lab

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"strings"

	"github.com/gossiplab/gossiplab/internal/boundedfile"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// fileSchema is lab.hcl as written. Every attribute is optional: what is
// absent keeps its default. Attributes and blocks not listed here are
// rejected by gohcl with the location and a did-you-mean.
type fileSchema struct {
	Name        *string       `hcl:"name,optional"`
	Provider    *string       `hcl:"provider,optional"`
	Nodes       *int          `hcl:"nodes,optional"`
	Prefix      *string       `hcl:"prefix,optional"`
	Box         *string       `hcl:"box,optional"`
	BoxVersion  *string       `hcl:"box_version,optional"`
	Memory      *int          `hcl:"memory,optional"`
	CPUs        *int          `hcl:"cpus,optional"`
	Subnet      *string       `hcl:"subnet,optional"`
	FirstHost   *int          `hcl:"first_host,optional"`
	SSHPortBase *int          `hcl:"ssh_port_base,optional"`
	LinkedClone *bool         `hcl:"linked_clone,optional"`
	Inventory   *string       `hcl:"inventory,optional"`
	Groups      []groupBlock  `hcl:"group,block"`
	Hosts       []hostBlock   `hcl:"host,block"`
	Agent       *agentBlock   `hcl:"agent,block"`
	Libvirt     *libvirtBlock `hcl:"libvirt,block"`
}

// hostBlock is one machine of a listed lab: host "web1" { address = ... }.
type hostBlock struct {
	Name         string  `hcl:"name,label"`
	Address      *string `hcl:"address,optional"`
	Port         *int    `hcl:"port,optional"`
	User         *string `hcl:"user,optional"`
	IdentityFile *string `hcl:"identity_file,optional"`
	LabIP        *string `hcl:"lab_ip,optional"`
}

type groupBlock struct {
	Name  string            `hcl:"name,label"`
	Nodes string            `hcl:"nodes"`
	Tags  map[string]string `hcl:"tags,optional"`
}

type agentBlock struct {
	Profile *string `hcl:"profile,optional"`
	Encrypt *bool   `hcl:"encrypt,optional"`
	Join    *string `hcl:"join,optional"`
	Seeds   *int    `hcl:"seeds,optional"`
}

// FileSource remembers where each setting of a lab file was written, so
// that validation errors can point at file:line:col.
type FileSource struct {
	Path   string
	ranges map[string]hcl.Range
}

// Pos returns "file:line:col" for a field, or "" when the file does not
// set it.
func (s *FileSource) Pos(field string) string {
	if s == nil {
		return ""
	}
	r, ok := s.ranges[field]
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// Line returns "file:line" for a field, or "" when the file does not set
// it.
func (s *FileSource) Line(field string) string {
	if s == nil {
		return ""
	}
	r, ok := s.ranges[field]
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line)
}

// ErrNoLabFile is returned by LoadFile when the file does not exist.
var ErrNoLabFile = errors.New("no lab file")

// LoadFile reads a lab file over the defaults. The spec is not validated:
// callers apply flag overrides first, then Validate.
func LoadFile(path string) (Spec, *FileSource, error) {
	spec := DefaultSpec()
	src, err := boundedfile.ReadFile(path, MaxLabFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return spec, nil, fmt.Errorf("%w: %s", ErrNoLabFile, path)
	}
	if err != nil {
		return spec, nil, hint.Wrap(fmt.Errorf("read lab file: %w", err), "lab.hcl must be a regular file of at most 1 MB: lab init writes one")
	}
	return ParseFile(path, src)
}

// ParseFile parses lab file text; path is used in messages.
func ParseFile(path string, src []byte) (Spec, *FileSource, error) {
	spec := DefaultSpec()
	if err := checkShape(path, src); err != nil {
		return spec, nil, err
	}
	f, diags := hclparse.NewParser().ParseHCL(src, path)
	if diags.HasErrors() {
		return spec, nil, diagError(diags)
	}
	var fsch fileSchema
	if diags := gohcl.DecodeBody(f.Body, nil, &fsch); diags.HasErrors() {
		return spec, nil, diagError(diags)
	}
	source := &FileSource{Path: path, ranges: map[string]hcl.Range{}}
	if body, ok := f.Body.(*hclsyntax.Body); ok {
		source.record(body)
	}

	setS := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setI := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	setS(&spec.Name, fsch.Name)
	setS(&spec.Provider, fsch.Provider)
	setI(&spec.Nodes, fsch.Nodes)
	setS(&spec.Prefix, fsch.Prefix)
	setS(&spec.Box, fsch.Box)
	setS(&spec.BoxVersion, fsch.BoxVersion)
	setI(&spec.MemoryMB, fsch.Memory)
	setI(&spec.CPUs, fsch.CPUs)
	setI(&spec.FirstHost, fsch.FirstHost)
	setI(&spec.SSHPortBase, fsch.SSHPortBase)
	if fsch.LinkedClone != nil {
		spec.LinkedClone = *fsch.LinkedClone
	}
	if fsch.Subnet != nil {
		p, err := netip.ParsePrefix(*fsch.Subnet)
		if err != nil {
			return spec, source, hint.Errorf("write it like \"192.168.56.0/21\"", "%s: subnet: %s is not a CIDR", source.Pos("subnet"), Quote(*fsch.Subnet))
		}
		spec.Subnet = p
	}
	for _, g := range fsch.Groups {
		spec.Groups = append(spec.Groups, Group(g))
	}
	setS(&spec.Inventory, fsch.Inventory)
	for _, h := range fsch.Hosts {
		host, err := h.host(source)
		if err != nil {
			return spec, source, err
		}
		spec.Hosts = append(spec.Hosts, host)
	}
	if err := fsch.Libvirt.apply(&spec, source); err != nil {
		return spec, source, err
	}
	if a := fsch.Agent; a != nil {
		setS(&spec.Agent.Profile, a.Profile)
		setS(&spec.Agent.Join, a.Join)
		setI(&spec.Agent.Seeds, a.Seeds)
		if a.Encrypt != nil {
			spec.Agent.Encrypt = *a.Encrypt
		}
	}
	return spec, source, nil
}

// record notes where each attribute of the body is written, blocks'
// included.
func (s *FileSource) record(body *hclsyntax.Body) {
	for name, a := range body.Attributes {
		s.ranges[name] = a.Expr.Range()
	}
	for _, b := range body.Blocks {
		switch b.Type {
		case "agent":
			for name, a := range b.Body.Attributes {
				s.ranges["agent."+name] = a.Expr.Range()
			}
		case "libvirt":
			for name, a := range b.Body.Attributes {
				s.ranges["libvirt."+name] = a.Expr.Range()
			}
			for _, nb := range b.Body.Blocks {
				for name, a := range nb.Body.Attributes {
					s.ranges["libvirt."+nb.Type+"."+name] = a.Expr.Range()
				}
			}
		case "host":
			if len(b.Labels) == 1 {
				s.ranges[fmt.Sprintf("host %q", b.Labels[0])] = b.LabelRanges[0]
				if a, ok := b.Body.Attributes["lab_ip"]; ok {
					s.ranges[fmt.Sprintf("host %q lab_ip", b.Labels[0])] = a.Expr.Range()
				}
			}
		case "group":
			if len(b.Labels) == 1 {
				key := fmt.Sprintf("group %q", b.Labels[0])
				s.ranges[key] = b.LabelRanges[0]
				if a, ok := b.Body.Attributes["nodes"]; ok {
					s.ranges[key+" nodes"] = a.Expr.Range()
				}
				if a, ok := b.Body.Attributes["tags"]; ok {
					s.ranges[key+" tags"] = a.Expr.Range()
				}
			}
		}
	}
}

// host is the block as a Host; lab_ip must be an IP.
func (b hostBlock) host(src *FileSource) (Host, error) {
	key := fmt.Sprintf("host %q", b.Name)
	h := Host{Name: b.Name, Pos: src.Line(key)}
	deref := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	deref(&h.Address, b.Address)
	deref(&h.User, b.User)
	deref(&h.IdentityFile, b.IdentityFile)
	if b.Port != nil {
		h.Port = *b.Port
	}
	if b.LabIP != nil {
		ip, err := netip.ParseAddr(*b.LabIP)
		if err != nil {
			return h, hint.Errorf("write it like \"10.0.0.5\"", "%s: lab_ip: %s is not an IP address", src.Pos(key+" lab_ip"), Quote(*b.LabIP))
		}
		h.LabIP = ip
	}
	return h, nil
}

func diagError(diags hcl.Diagnostics) error {
	var lines []string
	fix := ""
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		pos := ""
		if d.Subject != nil {
			pos = fmt.Sprintf("%s:%d:%d: ", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		msg := pos + d.Summary
		if d.Detail != "" {
			msg += "; " + d.Detail
		}
		switch d.Summary {
		case "Unsupported argument", "Unsupported block type":
			fix = validNames()
		}
		lines = append(lines, msg)
	}
	return hint.Wrap(errors.New(strings.Join(lines, "\n")), fix)
}

// SpecError turns validation errors into one error, each line naming
// where the bad value came from: a flag, a lab file position, or the
// default.
func SpecError(errs []*FieldError, src *FileSource, fromFlags map[string]bool) error {
	if len(errs) == 0 {
		return nil
	}
	var lines []string
	for _, e := range errs {
		where := "default " + e.Field
		switch {
		case e.Pos != "":
			where = e.Pos + ": " + e.Field
		case fromFlags[e.Field]:
			// agent.profile is set by --profile.
			where = "--" + strings.ReplaceAll(strings.TrimPrefix(e.Field, "agent."), "_", "-")
		case src.Pos(e.Field) != "":
			where = src.Pos(e.Field) + ": " + e.Field
		case src != nil && !fromFlags[e.Field]:
			if p := src.Pos(groupKey(e.Field)); p != "" {
				where = p + ": " + e.Field
			}
		}
		if len(where) > 120 { // a group named by 5 MB of text
			where = strings.ToValidUTF8(where[:100], "") + "..."
		}
		line := where + ": " + e.Msg
		if e.Hint != "" {
			line += "\n  hint: " + e.Hint
		}
		lines = append(lines, line)
	}
	return fmt.Errorf("invalid lab:\n%s", strings.Join(lines, "\n"))
}

// groupKey strips a suffix from a group field ("group \"x\" tags" -> "group \"x\"").
func groupKey(field string) string {
	if i := strings.LastIndex(field, `" `); i >= 0 {
		return field[:i+1]
	}
	return field
}

// validNames lists what lab.hcl accepts where a diagnostic points.
func validNames() string {
	top := "name, provider, nodes, prefix, box, box_version, memory, cpus, subnet, first_host, ssh_port_base, linked_clone, inventory, and blocks group \"NAME\" { nodes, tags }, host \"NAME\" { address, port, user, identity_file, lab_ip }, agent { profile, encrypt, join, seeds } and libvirt { driver, uri, tcg_cache_mb, management_network { name, address } }"
	return "lab.hcl accepts " + top
}
