package hosts

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// sectionRE is an INI section header: [web], [web:vars], [web:children],
// optionally followed by a comment.
var sectionRE = regexp.MustCompile(`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$`)

// iniReader reads an Ansible INI inventory line by line.
type iniReader struct {
	file  string
	inv   *inventory
	group string // the current section's group
	kind  string // "hosts", "vars" or "children"
}

// readINI reads an Ansible INI inventory: hosts before any section are
// ungrouped; [G] lists hosts with their variables, [G:vars] variables of
// G's hosts, [G:children] groups within G. Lines starting with # or ; are
// comments, and so is the rest of a host line from a # on.
func readINI(file string, src []byte) (*inventory, error) {
	r := &iniReader{file: file, inv: newInventory(), group: groupUngrouped, kind: "hosts"}
	for i, raw := range strings.Split(string(src), "\n") {
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if err := r.line(posOf(file, i+1), line); err != nil {
			return nil, err
		}
	}
	return r.inv, nil
}

func (r *iniReader) line(pos, line string) error {
	if line[0] == '[' {
		m := sectionRE.FindStringSubmatch(line)
		if m == nil {
			return hint.Errorf("write a section as [web], [web:vars] or [web:children]", "%s: bad section header %s", pos, lab.Quote(line))
		}
		r.group, r.kind = m[1], "hosts"
		switch m[2] {
		case "", "hosts":
		case "vars", "children":
			r.kind = m[2]
		default:
			return hint.Errorf("use [GROUP], [GROUP:vars] or [GROUP:children]", "%s: unknown section kind %q", pos, m[2])
		}
		r.inv.group(r.group)
		return nil
	}
	switch r.kind {
	case "vars":
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return hint.Errorf("write a group variable as key=value", "%s: [%s:vars]: %s is not key=value", pos, r.group, lab.Quote(line))
		}
		r.inv.group(r.group).vars[k] = value{text: unquote(v), pos: pos}
	case "children":
		toks, err := shellSplit(line)
		if err != nil {
			return fmt.Errorf("%s: %w", pos, err)
		}
		if len(toks) != 1 {
			return hint.Errorf("list one group per line under [GROUP:children]", "%s: [%s:children]: %s is not a group name", pos, r.group, lab.Quote(line))
		}
		r.inv.addChild(r.group, toks[0])
	default:
		return r.hostLine(pos, line)
	}
	return nil
}

// hostLine reads `PATTERN [key=value ...]`.
func (r *iniReader) hostLine(pos, line string) error {
	toks, err := shellSplit(line)
	if err != nil {
		return fmt.Errorf("%s: %w", pos, err)
	}
	if len(toks) == 0 {
		return nil // a comment after all
	}
	pattern, port := splitPort(toks[0])
	vars := map[string]value{}
	if port != "" {
		vars["ansible_port"] = value{text: port, pos: pos}
	}
	for _, t := range toks[1:] {
		k, v, ok := strings.Cut(t, "=")
		if !ok || k == "" {
			return hint.Errorf("write host variables as key=value after the host name, e.g. web1 ansible_host=10.0.0.5", "%s: %s is not key=value", pos, lab.Quote(t))
		}
		vars[k] = value{text: v, pos: pos}
	}
	names, err := expandPattern(pattern, lab.MaxNodes)
	if err != nil {
		return fmt.Errorf("%s: %w", pos, err)
	}
	for _, n := range names {
		r.inv.addHost(r.group, n, pos, vars)
	}
	if len(r.inv.hosts) > lab.MaxNodes {
		return hint.Errorf(fmt.Sprintf("a lab holds at most %d nodes", lab.MaxNodes), "%s: more than %d hosts", pos, lab.MaxNodes)
	}
	return nil
}

// unquote strips one pair of matching quotes.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// shellSplit splits a line as POSIX shell words (what Ansible's shlex does
// with host lines): quotes group, a backslash escapes outside single
// quotes, and a word starting with # starts a comment to the end.
func shellSplit(line string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case quote == '"':
			switch {
			case c == '"':
				quote = 0
			case c == '\\' && i+1 < len(line) && strings.IndexByte(`"\$`+"`", line[i+1]) >= 0:
				i++
				cur.WriteByte(line[i])
			default:
				cur.WriteByte(c)
			}
		case c == ' ' || c == '\t':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			return out, nil
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, hint.Errorf("close the quote", "unterminated %c quote", quote)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}
