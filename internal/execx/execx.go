// Package execx runs external commands (vagrant, ip, nft, sshd) through one
// place, so that every failure carries the command line and what the
// command printed.
package execx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Error is returned when a command fails to start or exits non-zero.
type Error struct {
	Args   []string
	Output string // combined stdout and stderr, trimmed
	Err    error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("command %q failed: %v", strings.Join(e.Args, " "), e.Err)
	if e.Output != "" {
		msg += "\n" + indent(e.Output)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// ExitCode returns the command's exit status, or -1 when it did not exit.
func (e *Error) ExitCode() int {
	var ee *exec.ExitError
	if errors.As(e.Err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// Cmd describes one command to run.
type Cmd struct {
	Args  []string
	Dir   string
	Env   []string // added to the parent's environment when non-nil
	Stdin io.Reader
	// Stream, when set, receives the combined output as it is produced,
	// besides it being captured.
	Stream io.Writer
	// Grace is how long a cancelled command (and every process it started)
	// has between SIGINT and SIGKILL; 0 means DefaultGrace.
	Grace time.Duration
	// WaitDelay, when set, bounds how long Run waits for the output pipes
	// after a cancel (a background child can hold them open); then the
	// command is killed. It shortens Grace for that command.
	WaitDelay time.Duration
}

// DefaultGrace lets a cancelled command clean up (Vagrant, for one, tidies
// its VMs on interrupt) before it is killed.
const DefaultGrace = 10 * time.Second

// Runner runs commands. Tests substitute a recording Runner.
type Runner interface {
	Run(ctx context.Context, c Cmd) (stdout []byte, err error)
}

// Exec is the real Runner.
type Exec struct{}

var _ Runner = Exec{}

// Run runs c and returns its standard output. On failure the error is an
// *Error holding stdout and stderr.
func (Exec) Run(ctx context.Context, c Cmd) ([]byte, error) {
	if len(c.Args) == 0 {
		return nil, errors.New("execx: empty command")
	}
	cmd := exec.CommandContext(ctx, c.Args[0], c.Args[1:]...)
	cmd.Dir = c.Dir
	if c.Env != nil {
		cmd.Env = append(cmd.Environ(), c.Env...)
	}
	cmd.Stdin = c.Stdin
	grace := c.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	// On cancel: interrupt the command's whole process group, then kill it
	// after the grace period (Unix); elsewhere kill the process.
	killGroup := setCancel(cmd, grace)
	defer killGroup()
	if c.WaitDelay > 0 {
		cmd.WaitDelay = c.WaitDelay
	}
	var stdout, combined bytes.Buffer
	var out io.Writer = &combined
	if c.Stream != nil {
		out = io.MultiWriter(&combined, c.Stream)
	}
	// Stdout and Stderr are different writers, so exec copies them from two
	// goroutines: serialise their writes to the shared buffer and stream.
	out = &lockedWriter{w: out}
	cmd.Stdout = io.MultiWriter(&stdout, out)
	cmd.Stderr = out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return stdout.Bytes(), &Error{Args: c.Args, Output: strings.TrimSpace(combined.String()), Err: err}
	}
	return stdout.Bytes(), nil
}

// Run is a shorthand for Exec{}.Run with only arguments.
func Run(ctx context.Context, args ...string) ([]byte, error) {
	return Exec{}.Run(ctx, Cmd{Args: args})
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}
