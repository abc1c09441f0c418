package chaos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/lab"
)

// Endpoints tells how to reach nodes over SSH; lab.Provider has it.
type Endpoints interface {
	SSHEndpoints(ctx context.Context, l *lab.Lab, nodes []string) ([]lab.SSHEndpoint, error)
}

var _ Endpoints = lab.Provider(nil)

// SSHShell runs chaos's commands on nodes with the system's ssh client
// and the options of lab ssh (the lab's key, host keys pinned in
// .lab/known_hosts under the node's name), as root: `sudo -n` for another
// login. Endpoints are asked for when a node is first used. lab chaos and
// bench's lab backend use it; Close it when done.
type SSHShell struct {
	lab    *lab.Lab
	prov   Endpoints
	runner execx.Runner
	// controlDir, when set, holds one OpenSSH master connection per node
	// (ControlMaster), so that polling journals does not pay a handshake
	// per command. Close ends them.
	controlDir string

	mu  sync.Mutex
	eps map[string]lab.SSHEndpoint
}

// NewSSHShell makes a shell with connection sharing in a fresh private
// directory (short, for the socket path limit).
func NewSSHShell(l *lab.Lab, prov Endpoints) (*SSHShell, error) {
	dir, err := os.MkdirTemp("", "glchaos-ssh-")
	if err != nil {
		return nil, fmt.Errorf("make ssh control directory: %w", err)
	}
	return &SSHShell{lab: l, prov: prov, runner: execx.Exec{}, controlDir: dir}, nil
}

func (s *SSHShell) options() []string {
	opts := []string{"-o", "BatchMode=yes", "-o", "ConnectTimeout=10"}
	if s.controlDir != "" {
		opts = append(opts, "-o", "ControlMaster=auto", "-o", "ControlPath="+filepath.Join(s.controlDir, "%C"), "-o", "ControlPersist=yes")
	}
	return opts
}

// Close ends the master connections and removes their directory.
func (s *SSHShell) Close() error {
	if s.controlDir == "" {
		return nil
	}
	s.mu.Lock()
	eps := make([]lab.SSHEndpoint, 0, len(s.eps))
	for _, ep := range s.eps {
		eps = append(eps, ep)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, ep := range eps {
		args := append(append([]string{"ssh"}, s.options()...), "-O", "exit")
		// A node without a master (never reached) answers with an error: fine.
		_, _ = s.runner.Run(ctx, execx.Cmd{Args: append(args, lab.SSHArgs(s.lab, ep)...)})
	}
	return os.RemoveAll(s.controlDir)
}

var _ Shell = (*SSHShell)(nil)

func (s *SSHShell) endpoint(ctx context.Context, node string) (lab.SSHEndpoint, error) {
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

func (s *SSHShell) Run(ctx context.Context, node, cmd string, stdin []byte) ([]byte, error) {
	ep, err := s.endpoint(ctx, node)
	if err != nil {
		return nil, err
	}
	if ep.User != "root" {
		cmd = "sudo -n sh -c " + shellQuote(cmd)
	}
	args := append(append([]string{"ssh"}, s.options()...), lab.SSHArgs(s.lab, ep)...)
	c := execx.Cmd{Args: append(args, "--", cmd)}
	if stdin != nil {
		c.Stdin = bytes.NewReader(stdin)
	}
	out, err := s.runner.Run(ctx, c)
	var ee *execx.Error
	if errors.As(err, &ee) {
		// The ssh command line is long and the same every time: say what
		// ran on the node and what it printed.
		first, _, _ := strings.Cut(cmd, "\n")
		if len(first) > 80 {
			first = first[:77] + "..."
		}
		err = fmt.Errorf("%q: %w", first, remoteError{code: ee.ExitCode(), output: ee.Output})
	}
	return out, err
}

// remoteError is a command that failed on a node (exit status 255: ssh
// itself could not connect).
type remoteError struct {
	code   int
	output string
}

func (e remoteError) Error() string {
	msg := fmt.Sprintf("exit status %d", e.code)
	if e.code == 255 {
		msg = "ssh failed"
	}
	if e.output != "" {
		msg += ": " + e.output
	}
	return msg
}

var _ Streamer = (*SSHShell)(nil)

// Stream runs cmd on node over SSH and hands each line of its output
// (standard output and error) to line as it arrives. stdin stays the
// command's standard input until it is closed: closing it is how a
// caller asks a remote loop to end. Cancelling ctx ends the ssh client.
func (s *SSHShell) Stream(ctx context.Context, node, cmd string, stdin io.Reader, line func(string)) error {
	ep, err := s.endpoint(ctx, node)
	if err != nil {
		return err
	}
	if ep.User != "root" {
		cmd = "sudo -n sh -c " + shellQuote(cmd)
	}
	args := append(append([]string{"ssh"}, s.options()...), lab.SSHArgs(s.lab, ep)...)
	lw := &lineWriter{fn: line}
	_, err = s.runner.Run(ctx, execx.Cmd{Args: append(args, "--", cmd), Stdin: stdin, Stream: lw, Grace: 2 * time.Second, WaitDelay: 2 * time.Second})
	lw.flush()
	if err != nil {
		return fmt.Errorf("stream from %s: %w", node, err)
	}
	return nil
}

// lineWriter calls fn with each complete line written to it.
type lineWriter struct {
	fn  func(string)
	buf []byte
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		w.fn(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.fn(string(w.buf))
		w.buf = nil
	}
}
