package cli

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/chaos"
)

// sshShell runs lab chaos's commands on nodes with the system's ssh
// client and the options of lab ssh (the lab's key, host keys pinned in
// .lab/known_hosts under the node's name), as root: `sudo -n` for another
// login. Endpoints are asked for when a node is first used.
type sshShell struct {
	lab    *lab.Lab
	prov   lab.Provider
	runner execx.Runner

	mu  sync.Mutex
	eps map[string]lab.SSHEndpoint
}

var _ chaos.Shell = (*sshShell)(nil)

func (s *sshShell) endpoint(ctx context.Context, node string) (lab.SSHEndpoint, error) {
	s.mu.Lock()
	ep, ok := s.eps[node]
	s.mu.Unlock()
	if ok {
		return ep, nil
	}
	eps, err := s.prov.SSHEndpoints(ctx, s.lab, []string{node})
	if err != nil {
		return lab.SSHEndpoint{}, fmt.Errorf("ssh endpoint of %s: %w", node, err)
	}
	if len(eps) != 1 {
		return lab.SSHEndpoint{}, fmt.Errorf("ssh endpoint of %s: the provider gave %d", node, len(eps))
	}
	s.mu.Lock()
	if s.eps == nil {
		s.eps = map[string]lab.SSHEndpoint{}
	}
	s.eps[node] = eps[0]
	s.mu.Unlock()
	return eps[0], nil
}

func (s *sshShell) Run(ctx context.Context, node, cmd string, stdin []byte) ([]byte, error) {
	ep, err := s.endpoint(ctx, node)
	if err != nil {
		return nil, err
	}
	if ep.User != "root" {
		cmd = "sudo -n sh -c " + shQuote(cmd)
	}
	args := append([]string{"ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"}, sshArgs(s.lab, ep)...)
	c := execx.Cmd{Args: append(args, "--", cmd)}
	if stdin != nil {
		c.Stdin = bytes.NewReader(stdin)
	}
	return s.runner.Run(ctx, c)
}

// shQuote quotes s as one word for a POSIX shell.
func shQuote(s string) string {
	return "'" + string(bytes.ReplaceAll([]byte(s), []byte("'"), []byte(`'\''`))) + "'"
}
