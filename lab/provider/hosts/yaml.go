package hosts

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// maxYAMLNodes bounds the nodes a YAML inventory may hold once aliases
// are followed, so that a few lines of nested aliases cannot make it
// enormous.
const maxYAMLNodes = 1 << 20

// yamlReader reads an Ansible YAML inventory.
type yamlReader struct {
	file   string
	inv    *inventory
	budget int
}

// yamlLineRE finds the line in the YAML library's messages.
var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// readYAML reads an Ansible YAML inventory: groups at the top (usually
// all), each a mapping of hosts (host: its variables, or nothing), vars
// and children (groups, written the same way).
func readYAML(file string, src []byte) (*inventory, error) {
	r := &yamlReader{file: file, inv: newInventory(), budget: maxYAMLNodes}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			return nil, hint.Errorf("check the indentation and the colons", "%s:%s: %s", file, m[1], m[2])
		}
		return nil, hint.Errorf("check the indentation and the colons", "%s: %s", file, msg)
	}
	if len(doc.Content) == 0 {
		return r.inv, nil // an empty file
	}
	root, err := r.deref(doc.Content[0])
	if err != nil {
		return nil, err
	}
	if root.Kind != yaml.MappingNode {
		return nil, r.errorf(root, "write groups at the top, e.g. all:", "an inventory is a mapping of groups")
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if err := r.group(root.Content[i].Value, root.Content[i+1]); err != nil {
			return nil, err
		}
	}
	return r.inv, nil
}

// deref follows aliases and spends the node budget.
func (r *yamlReader) deref(n *yaml.Node) (*yaml.Node, error) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	r.budget -= 1 + len(n.Content)
	if r.budget < 0 {
		return nil, r.errorf(n, "write the inventory out plainly", "more than %d YAML nodes once aliases are followed", maxYAMLNodes)
	}
	return n, nil
}

func (r *yamlReader) errorf(n *yaml.Node, fix, format string, a ...any) error {
	return hint.Errorf(fix, "%s: %s", posOf(r.file, n.Line), fmt.Sprintf(format, a...))
}

// group reads group name's mapping: hosts, vars and children.
func (r *yamlReader) group(name string, n *yaml.Node) error {
	n, err := r.deref(n)
	if err != nil {
		return err
	}
	r.inv.group(name)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return r.errorf(n, "give a group hosts:, vars: and children:", "group %s is not a mapping", lab.Quote(name))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		switch key.Value {
		case "hosts":
			err = r.hosts(name, val)
		case "vars":
			err = r.vars(val, r.inv.group(name).vars)
		case "children":
			err = r.children(name, val)
		default:
			err = r.errorf(key, "a group holds hosts:, vars: and children: only", "group %s: unknown key %s", lab.Quote(name), lab.Quote(key.Value))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *yamlReader) hosts(group string, n *yaml.Node) error {
	n, err := r.deref(n)
	if err != nil || isNull(n) {
		return err
	}
	if n.Kind != yaml.MappingNode {
		return r.errorf(n, "write hosts as a mapping: each host name, a colon, then its variables or nothing", "hosts of group %s are not a mapping", lab.Quote(group))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i]
		vars := map[string]value{}
		pattern, port := splitPort(key.Value)
		if port != "" {
			vars["ansible_port"] = value{text: port, pos: posOf(r.file, key.Line)}
		}
		if err := r.vars(n.Content[i+1], vars); err != nil {
			return err
		}
		names, err := expandPattern(pattern, lab.MaxNodes)
		if err != nil {
			return fmt.Errorf("%s: %w", posOf(r.file, key.Line), err)
		}
		for _, name := range names {
			r.inv.addHost(group, name, posOf(r.file, key.Line), vars)
		}
		if len(r.inv.hosts) > lab.MaxNodes {
			return r.errorf(key, fmt.Sprintf("a lab holds at most %d nodes", lab.MaxNodes), "more than %d hosts", lab.MaxNodes)
		}
	}
	return nil
}

// vars reads a mapping of variables into dst. Values lab reads must be
// plain values; the others may be anything (they are Ansible's).
func (r *yamlReader) vars(n *yaml.Node, dst map[string]value) error {
	n, err := r.deref(n)
	if err != nil || isNull(n) {
		return err
	}
	if n.Kind != yaml.MappingNode {
		return r.errorf(n, "write variables as key: value", "variables are not a mapping")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i]
		val, err := r.deref(n.Content[i+1])
		if err != nil {
			return err
		}
		if val.Kind != yaml.ScalarNode {
			if usedVar(key.Value) {
				return r.errorf(val, "give it a plain value", "%s is not a plain value", key.Value)
			}
			continue
		}
		dst[key.Value] = value{text: val.Value, pos: posOf(r.file, key.Line)}
	}
	return nil
}

func (r *yamlReader) children(parent string, n *yaml.Node) error {
	n, err := r.deref(n)
	if err != nil || isNull(n) {
		return err
	}
	if n.Kind != yaml.MappingNode {
		return r.errorf(n, "write children as a mapping of groups", "children of group %s are not a mapping", lab.Quote(parent))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		child := n.Content[i].Value
		r.inv.addChild(parent, child)
		if err := r.group(child, n.Content[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}
