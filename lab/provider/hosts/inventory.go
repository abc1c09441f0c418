package hosts

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// Groups Ansible makes on its own: every host is in all, and a host in no
// other group is in ungrouped.
const (
	groupAll       = "all"
	groupUngrouped = "ungrouped"
)

// tagPrefix starts the inventory variables that become a node's tags:
// lab_tag_role=web gives the tag role=web.
const tagPrefix = "lab_tag_"

// groupTag is the tag holding a host's inventory group.
const groupTag = "group"

// value is a variable's value and where it is written (file:line).
type value struct {
	text, pos string
}

// invHost is a host as the inventory lists it, over every line that names
// it.
type invHost struct {
	name   string
	pos    string // where it is first listed
	vars   map[string]value
	groups []string // the groups whose sections list it, in file order
}

// invGroup is an inventory group.
type invGroup struct {
	name     string
	vars     map[string]value
	children []string
}

// inventory is an Ansible inventory as read, before variables are
// resolved: the INI and YAML readers fill it with the same calls.
type inventory struct {
	hosts  []*invHost
	byName map[string]*invHost
	groups map[string]*invGroup
}

func newInventory() *inventory {
	inv := &inventory{byName: map[string]*invHost{}, groups: map[string]*invGroup{}}
	inv.group(groupAll)
	inv.group(groupUngrouped)
	return inv
}

// group returns the group called name, made on first mention.
func (inv *inventory) group(name string) *invGroup {
	g, ok := inv.groups[name]
	if !ok {
		g = &invGroup{name: name, vars: map[string]value{}}
		inv.groups[name] = g
	}
	return g
}

// addHost lists the host in group (all for a host outside any group) with
// vars; a host listed again gains the group and the variables.
func (inv *inventory) addHost(group, name, pos string, vars map[string]value) {
	h, ok := inv.byName[name]
	if !ok {
		h = &invHost{name: name, pos: pos, vars: map[string]value{}}
		inv.byName[name] = h
		inv.hosts = append(inv.hosts, h)
	}
	inv.group(group)
	if group != groupAll && !contains(h.groups, group) {
		h.groups = append(h.groups, group)
	}
	for k, v := range vars {
		h.vars[k] = v
	}
}

// addChild makes child a group of parent.
func (inv *inventory) addChild(parent, child string) {
	p := inv.group(parent)
	inv.group(child)
	if !contains(p.children, child) {
		p.children = append(p.children, child)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// depths gives every group its depth below all (all: 0; a group that is
// nobody's child: 1; a child: one more than its deepest parent), which
// orders variable precedence as Ansible does. A cycle of children is an
// error.
func (inv *inventory) depths(file string) (map[string]int, error) {
	parents := map[string][]string{}
	for _, g := range inv.groups {
		for _, c := range g.children {
			parents[c] = append(parents[c], g.name)
		}
	}
	depth := map[string]int{}
	visiting := map[string]bool{}
	var walk func(name string, path []string) (int, error)
	walk = func(name string, path []string) (int, error) {
		if d, ok := depth[name]; ok {
			return d, nil
		}
		if visiting[name] {
			return 0, hint.Errorf("a group cannot be its own child", "%s: groups are children of each other: %s", file, strings.Join(append(path, name), " -> "))
		}
		visiting[name] = true
		d := 0
		if name != groupAll {
			d = 1
			for _, p := range parents[name] {
				pd, err := walk(p, append(path, name))
				if err != nil {
					return 0, err
				}
				d = max(d, pd+1)
			}
		}
		visiting[name] = false
		depth[name] = d
		return d, nil
	}
	names := make([]string, 0, len(inv.groups))
	for n := range inv.groups {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := walk(n, nil); err != nil {
			return nil, err
		}
	}
	return depth, nil
}

// memberOf lists the groups host h belongs to, directly or through
// children, all included.
func (inv *inventory) memberOf(h *invHost) []string {
	parents := map[string][]string{}
	for _, g := range inv.groups {
		for _, c := range g.children {
			parents[c] = append(parents[c], g.name)
		}
	}
	seen := map[string]bool{groupAll: true}
	queue := append([]string(nil), h.groups...)
	if len(h.groups) == 0 {
		queue = append(queue, groupUngrouped)
	}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		if seen[g] {
			continue
		}
		seen[g] = true
		queue = append(queue, parents[g]...)
	}
	out := make([]string, 0, len(seen))
	for g := range seen {
		out = append(out, g)
	}
	return out
}

// vars resolves h's variables as Ansible does: all's, then the other
// groups' from the shallowest to the deepest (by name within a depth),
// then the host's own.
func (inv *inventory) vars(h *invHost, depth map[string]int) map[string]value {
	groups := inv.memberOf(h)
	sort.Slice(groups, func(i, j int) bool {
		if depth[groups[i]] != depth[groups[j]] {
			return depth[groups[i]] < depth[groups[j]]
		}
		return groups[i] < groups[j]
	})
	out := map[string]value{}
	for _, g := range groups {
		for k, v := range inv.groups[g].vars {
			out[k] = v
		}
	}
	for k, v := range h.vars {
		out[k] = v
	}
	return out
}

// labHosts turns the inventory into the lab's hosts, in the order the
// file first lists them.
func (inv *inventory) labHosts(file string) ([]lab.Host, error) {
	depth, err := inv.depths(file)
	if err != nil {
		return nil, err
	}
	out := make([]lab.Host, 0, len(inv.hosts))
	for _, h := range inv.hosts {
		lh, err := toLabHost(h, inv.vars(h, depth))
		if err != nil {
			return nil, err
		}
		out = append(out, lh)
	}
	return out, nil
}

// toLabHost reads the variables lab uses: how to reach the host, its lab
// IP and its tags. Other variables are Ansible's business and ignored.
func toLabHost(h *invHost, vars map[string]value) (lab.Host, error) {
	lh := lab.Host{Name: h.name, Pos: h.pos, Tags: map[string]string{}, FromInventory: true}
	get := func(names ...string) (value, bool) {
		for _, n := range names {
			if v, ok := vars[n]; ok {
				return v, true
			}
		}
		return value{}, false
	}
	for k, v := range vars {
		if strings.Contains(v.text, "{{") && (strings.HasPrefix(k, "ansible_") || strings.HasPrefix(k, "lab_")) {
			return lh, hint.Errorf("write the value itself: lab reads inventories but does not run Ansible's templating", "%s: host %s: %s = %s is a template", v.pos, lab.Quote(h.name), k, lab.Quote(v.text))
		}
	}
	if v, ok := get("ansible_connection"); ok && !sshConnection(v.text) {
		return lh, hint.Errorf("list only hosts that lab can reach over SSH", "%s: host %s: ansible_connection=%s: lab reaches hosts over SSH only", v.pos, lab.Quote(h.name), v.text)
	}
	lh.Address = h.name
	if v, ok := get("ansible_host", "ansible_ssh_host"); ok {
		lh.Address = v.text
	}
	if v, ok := get("ansible_port", "ansible_ssh_port"); ok {
		p, err := strconv.Atoi(v.text)
		if err != nil || p < 1 || p > 65535 {
			return lh, hint.Errorf("give a port from 1 to 65535", "%s: host %s: ansible_port=%s is not a port", v.pos, lab.Quote(h.name), lab.Quote(v.text))
		}
		lh.Port = p
	}
	if v, ok := get("ansible_user", "ansible_ssh_user"); ok {
		lh.User = v.text
	}
	if v, ok := get("ansible_ssh_private_key_file", "ansible_private_key_file"); ok {
		lh.IdentityFile = v.text
	}
	if v, ok := get("lab_ip"); ok {
		ip, err := netip.ParseAddr(v.text)
		if err != nil {
			return lh, hint.Errorf("give the IPv4 address the agent should bind and advertise, e.g. lab_ip=10.0.0.5", "%s: host %s: lab_ip=%s is not an IP address", v.pos, lab.Quote(h.name), lab.Quote(v.text))
		}
		lh.LabIP = ip
	}
	for _, g := range h.groups {
		if g != groupUngrouped {
			lh.Tags[groupTag] = g // the first section that lists it
			break
		}
	}
	for k, v := range vars { // lab_tag_group overrides the group tag
		if key, ok := strings.CutPrefix(k, tagPrefix); ok && key != "" {
			lh.Tags[key] = v.text
		}
	}
	return lh, nil
}

// usedVar reports whether lab reads the variable k.
func usedVar(k string) bool {
	switch k {
	case "ansible_host", "ansible_ssh_host", "ansible_port", "ansible_ssh_port", "ansible_user", "ansible_ssh_user",
		"ansible_ssh_private_key_file", "ansible_private_key_file", "ansible_connection":
		return true
	}
	return strings.HasPrefix(k, "lab_")
}

// sshConnection reports whether an ansible_connection plugin is SSH.
func sshConnection(c string) bool {
	switch c {
	case "ssh", "smart", "paramiko", "paramiko_ssh", "ansible.builtin.ssh", "ansible.builtin.paramiko_ssh":
		return true
	}
	return false
}

// posOf is "file:line".
func posOf(file string, line int) string { return fmt.Sprintf("%s:%d", file, line) }
