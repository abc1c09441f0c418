package chaos

import (
	"context"
	"io"
	"time"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/provision"
)

// Endpoints tells how to reach nodes over SSH; lab.Provider has it.
type Endpoints interface {
	SSHEndpoints(ctx context.Context, l *lab.Lab, nodes []string) ([]lab.SSHEndpoint, error)
}

var _ Endpoints = lab.Provider(nil)

// SSHShell runs chaos's commands on nodes as root (`sudo -n` for another
// login) over one SSH connection per node, made on first use and
// multiplexed for every command after it (provision.Pool), with the
// lab's key and the host keys pinned in .lab/known_hosts. lab chaos and
// bench's lab backend use it; Close ends every connection, all at once.
type SSHShell struct {
	*provision.Pool
}

var (
	_ Shell    = (*SSHShell)(nil)
	_ Streamer = (*SSHShell)(nil)
)

// NewSSHShell makes a shell that asks prov for a node's endpoint when it
// first reaches it.
func NewSSHShell(l *lab.Lab, prov Endpoints) (*SSHShell, error) {
	resolve := func(ctx context.Context, nodes []string) ([]provision.Endpoint, error) {
		eps, err := prov.SSHEndpoints(ctx, l, nodes)
		if err != nil {
			return nil, err
		}
		return ProvisionEndpoints(eps), nil
	}
	opts := provision.DialOptions{Timeout: 10 * time.Second, Backoff: 200 * time.Millisecond}
	return &SSHShell{Pool: provision.NewPool(provision.NewKnownHosts(l.Paths.KnownHosts()), opts, resolve)}, nil
}

// NewPoolShell is a shell over an existing pool (one a lab command shares
// with provisioning and verification).
func NewPoolShell(p *provision.Pool) *SSHShell { return &SSHShell{Pool: p} }

// Stream runs cmd on node and hands each line of its output (standard
// output and error) to line as it arrives. stdin stays the command's
// standard input until it is closed: closing it is how a caller asks a
// remote loop to end. Cancelling ctx ends the command.
func (s *SSHShell) Stream(ctx context.Context, node, cmd string, stdin io.Reader, line func(string)) error {
	return s.Pool.Stream(ctx, node, cmd, stdin, line)
}

// ProvisionEndpoints converts a provider's endpoints for package
// provision.
func ProvisionEndpoints(eps []lab.SSHEndpoint) []provision.Endpoint {
	out := make([]provision.Endpoint, len(eps))
	for i, ep := range eps {
		out[i] = provision.Endpoint{Node: ep.Node, Host: ep.Host, Port: ep.Port, User: ep.User, IdentityFile: ep.IdentityFile}
	}
	return out
}
