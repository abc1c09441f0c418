package chaos

import (
	"context"
	"io"

	"github.com/gossiplab/gossiplab/provision"
)

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
