package vagrant

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gossiplab/gossiplab/lab"
)

// SSHConfig is one Host block of `vagrant ssh-config`.
type SSHConfig struct {
	Host          string
	HostName      string
	Port          int
	User          string
	IdentityFiles []string // in order; Vagrant may list several
	// Options holds every other keyword with its value as printed
	// (StrictHostKeyChecking, UserKnownHostsFile, IdentitiesOnly, LogLevel,
	// ProxyCommand ...). A repeated keyword keeps its first value, as
	// OpenSSH does.
	Options map[string]string
}

// Endpoint turns the block into the lab's view of it: the first
// IdentityFile is the one Vagrant itself tries first.
func (c SSHConfig) Endpoint(node string) lab.SSHEndpoint {
	e := lab.SSHEndpoint{Node: node, Host: c.HostName, Port: c.Port, User: c.User}
	if len(c.IdentityFiles) > 0 {
		e.IdentityFile = c.IdentityFiles[0]
	}
	return e
}

// ParseSSHConfig parses the OpenSSH client configuration `vagrant
// ssh-config` prints: "Host NAME" lines each starting a block of indented
// "Keyword value" lines. Values may be double-quoted (Vagrant quotes an
// IdentityFile path holding spaces); keywords are matched without regard
// to case, as OpenSSH does.
func ParseSSHConfig(text string) ([]SSHConfig, error) {
	var out []SSHConfig
	var cur *SSHConfig
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimRight(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value := splitKeyword(line)
		value = unquote(value)
		if strings.EqualFold(key, "Host") {
			out = append(out, SSHConfig{Host: value, Options: map[string]string{}})
			cur = &out[len(out)-1]
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("ssh-config line %d: %q comes before any Host line", i+1, line)
		}
		switch strings.ToLower(key) {
		case "hostname":
			cur.HostName = value
		case "user":
			cur.User = value
		case "port":
			p, err := strconv.Atoi(value)
			if err != nil || p < 1 || p > 65535 {
				return nil, fmt.Errorf("ssh-config line %d: bad port %q for host %q", i+1, value, cur.Host)
			}
			cur.Port = p
		case "identityfile":
			cur.IdentityFiles = append(cur.IdentityFiles, value)
		default:
			if _, seen := cur.Options[key]; !seen {
				cur.Options[key] = value
			}
		}
	}
	for _, c := range out {
		if c.HostName == "" || c.Port == 0 {
			return nil, fmt.Errorf("ssh-config for host %q lacks HostName or Port", c.Host)
		}
	}
	return out, nil
}

// splitKeyword splits "Keyword value" or "Keyword=value".
func splitKeyword(line string) (key, value string) {
	i := strings.IndexAny(line, " \t=")
	if i < 0 {
		return line, ""
	}
	key = line[:i]
	value = strings.TrimSpace(line[i:])
	value = strings.TrimSpace(strings.TrimPrefix(value, "="))
	return key, value
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// parseSSHConfigOutput reads `vagrant ssh-config --machine-readable`: one
// ssh-config record per machine, its target the machine name. Without
// records (plain output) the Host names stand for the machines.
func parseSSHConfigOutput(out []byte) (map[string]SSHConfig, error) {
	byNode := map[string]SSHConfig{}
	recs := ParseMachineReadable(out)
	found := false
	for _, r := range recs {
		if r.Type != "ssh-config" || len(r.Data) == 0 {
			continue
		}
		found = true
		cfgs, err := ParseSSHConfig(strings.Join(r.Data, ","))
		if err != nil {
			return nil, fmt.Errorf("machine %q: %w", r.Target, err)
		}
		for _, c := range cfgs {
			node := r.Target
			if node == "" {
				node = c.Host
			}
			byNode[node] = c
		}
	}
	if found {
		return byNode, nil
	}
	cfgs, err := ParseSSHConfig(string(out))
	if err != nil {
		return nil, err
	}
	for _, c := range cfgs {
		byNode[c.Host] = c
	}
	return byNode, nil
}
