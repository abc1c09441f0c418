package hosts

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/provision"
)

// reacher reaches a lab's hosts over SSH, pinning their host keys in the
// lab's known_hosts under their node names (as provisioning does).
type reacher struct {
	p    *Provider
	dir  string
	keys *provision.KnownHosts
	// hosts by name
	hosts map[string]lab.Host
}

func (p *Provider) reacher(dir string, hosts []lab.Host) *reacher {
	r := &reacher{p: p, dir: dir, keys: provision.NewKnownHosts(lab.Paths{Dir: dir}.KnownHosts()), hosts: map[string]lab.Host{}}
	for _, h := range hosts {
		r.hosts[h.Name] = h
	}
	return r
}

// dial connects to node, retrying for at most timeout.
func (r *reacher) dial(ctx context.Context, node string, timeout time.Duration) (*remote, error) {
	h, ok := r.hosts[node]
	if !ok {
		return nil, fmt.Errorf("no host %q in the lab", node)
	}
	ep, err := r.p.endpoint(r.dir, h)
	if err != nil {
		return nil, err
	}
	c, err := provision.Dial(ctx, provision.Endpoint{Node: ep.Node, Host: ep.Host, Port: ep.Port, User: ep.User, IdentityFile: ep.IdentityFile},
		r.keys, provision.DialOptions{Timeout: timeout, AttemptTimeout: min(timeout, 10*time.Second), KeepaliveInterval: -1, Logger: r.p.log})
	if err != nil {
		return nil, err
	}
	sudo := ""
	if ep.User != "root" {
		sudo = "sudo -n "
	}
	return &remote{c: c, sudo: sudo}, nil
}

// remote is one host's SSH connection.
type remote struct {
	c    *provision.Client
	sudo string // "sudo -n " for a login other than root
}

// run runs script with sh as root (through sudo -n for another login) and
// returns its standard output.
func (m *remote) run(ctx context.Context, script string) (string, error) {
	out, err := m.c.Run(ctx, m.sudo+"sh -c "+shellQuote(script), nil)
	if err != nil {
		if msg := strings.TrimSpace(string(out.Stderr)); msg != "" {
			return string(out.Stdout), fmt.Errorf("%w: %s", err, msg)
		}
		return string(out.Stdout), err
	}
	return string(out.Stdout), nil
}

func (m *remote) close() { _ = m.c.Close() }

// shellQuote quotes s for POSIX sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// lastErrRE finds the last attempt's error in provision.Dial's message.
var lastErrRE = regexp.MustCompile(`\(last error: (.*)\)$`)

// shortErr is the gist of an SSH failure for a table cell: the last
// attempt's error, or the first line.
func shortErr(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	if m := lastErrRE.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return msg
}
