package provision

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/ssh"
)

// Output is what a remote command printed and its exit status.
type Output struct {
	Stdout, Stderr []byte
	Exit           int
}

// RunError is a remote command that exited non-zero or could not run.
type RunError struct {
	Node    string
	Command string
	Output
	Err error
}

func (e *RunError) Error() string {
	msg := fmt.Sprintf("node %q: %s: %v", e.Node, shortCommand(e.Command), e.Err)
	if s := bytes.TrimSpace(e.Stderr); len(s) > 0 {
		msg += ": " + string(s)
	}
	return msg
}

func (e *RunError) Unwrap() error { return e.Err }

func shortCommand(cmd string) string {
	if i := bytes.IndexByte([]byte(cmd), '\n'); i >= 0 {
		cmd = cmd[:i] + " ..."
	}
	if len(cmd) > 80 {
		cmd = cmd[:77] + "..."
	}
	return fmt.Sprintf("%q", cmd)
}

// newSession opens a session for cmd; its error is a *RunError, saying
// so when keepalives found the connection dead.
func (c *Client) newSession(cmd string) (*ssh.Session, error) {
	sess, err := c.ssh.NewSession()
	if err != nil {
		if dead := c.Err(); dead != nil {
			err = dead
		}
		return nil, &RunError{Node: c.Node, Command: cmd, Output: Output{Exit: -1}, Err: fmt.Errorf("open session: %w", err)}
	}
	return sess, nil
}

// result is cmd's output and error once it ended with err (sess.Wait's):
// a non-zero exit or a lost connection is a *RunError holding out.
func (c *Client) result(cmd string, out Output, err error) (Output, error) {
	if err == nil {
		return out, nil
	}
	var ee *ssh.ExitError
	switch {
	case errors.As(err, &ee):
		out.Exit = ee.ExitStatus()
		err = fmt.Errorf("exit status %d", out.Exit)
	default:
		out.Exit = -1
		if dead := c.Err(); dead != nil {
			err = dead
		}
	}
	return out, &RunError{Node: c.Node, Command: cmd, Output: out, Err: err}
}

// kill asks sshd to kill the command, then drops the channel; Wait
// returns once the server or the connection closes it.
func kill(sess *ssh.Session) {
	_ = sess.Signal(ssh.SIGKILL)
	sess.Close()
}

// Run runs cmd in the login user's shell on the node, with stdin when
// non-nil. A non-zero exit is a *RunError holding the output; so is a
// connection that died or a ctx that ended while it ran.
func (c *Client) Run(ctx context.Context, cmd string, stdin io.Reader) (Output, error) {
	sess, err := c.newSession(cmd)
	if err != nil {
		return Output{}, err
	}
	defer sess.Close()
	var stdout, stderr bytes.Buffer
	sess.Stdout, sess.Stderr, sess.Stdin = &stdout, &stderr, stdin
	if err := sess.Start(cmd); err != nil {
		return Output{}, &RunError{Node: c.Node, Command: cmd, Output: Output{Exit: -1}, Err: fmt.Errorf("start: %w", err)}
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		kill(sess)
		return Output{Exit: -1}, &RunError{Node: c.Node, Command: cmd, Output: Output{Exit: -1}, Err: context.Cause(ctx)}
	}
	return c.result(cmd, Output{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}, err)
}

// Stream runs cmd on the node and calls each with every line it prints on
// stdout, until it exits or ctx ends (which returns nil).
func (c *Client) Stream(ctx context.Context, cmd string, each func(line []byte)) error {
	sess, err := c.newSession(cmd)
	if err != nil {
		return err
	}
	defer sess.Close()
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return &RunError{Node: c.Node, Command: cmd, Err: err}
	}
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	if err := sess.Start(cmd); err != nil {
		return &RunError{Node: c.Node, Command: cmd, Err: fmt.Errorf("start: %w", err)}
	}
	stop := context.AfterFunc(ctx, func() { kill(sess) })
	defer stop()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		each(sc.Bytes())
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := sess.Wait(); err != nil {
		return &RunError{Node: c.Node, Command: cmd, Output: Output{Stderr: stderr.Bytes(), Exit: -1}, Err: err}
	}
	return sc.Err()
}

// Converse runs cmd and, when it prints the line marker on stdout, calls
// answer with everything printed before it and writes the reply (plus a
// newline) to cmd's stdin: one session for a check in the middle of a
// remote script. A command that exits before the marker never gets an
// answer. Errors are as Run's.
func (c *Client) Converse(ctx context.Context, cmd, marker string, answer func(before []byte) string) (Output, error) {
	fail := func(err error) (Output, error) {
		return Output{Exit: -1}, &RunError{Node: c.Node, Command: cmd, Output: Output{Exit: -1}, Err: err}
	}
	sess, err := c.newSession(cmd)
	if err != nil {
		return Output{Exit: -1}, err
	}
	defer sess.Close()
	stdin, err := sess.StdinPipe()
	if err != nil {
		return fail(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	if err := sess.Start(cmd); err != nil {
		return fail(fmt.Errorf("start: %w", err))
	}
	stop := context.AfterFunc(ctx, func() { kill(sess) })
	defer stop()
	all := converse(stdout, stdin, marker, answer)
	err = sess.Wait()
	out := Output{Stdout: all, Stderr: stderr.Bytes()}
	if ctx.Err() != nil {
		out.Exit = -1
		return out, &RunError{Node: c.Node, Command: cmd, Output: out, Err: context.Cause(ctx)}
	}
	return c.result(cmd, out, err)
}

// converse reads stdout to its end, answering on stdin (then closed) at
// each marker line; it returns what was read, markers left out.
func converse(stdout io.Reader, stdin io.WriteCloser, marker string, answer func(before []byte) string) []byte {
	var all bytes.Buffer
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Bytes()
		if string(line) == marker {
			_, _ = io.WriteString(stdin, answer(bytes.Clone(all.Bytes()))+"\n")
			continue
		}
		all.Write(line)
		all.WriteByte('\n')
	}
	_ = stdin.Close()
	return all.Bytes()
}
