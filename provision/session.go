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

// Run runs cmd in the login user's shell on the node, with stdin when
// non-nil. A non-zero exit is a *RunError holding the output; so is a
// connection that died or a ctx that ended while it ran.
func (c *Client) Run(ctx context.Context, cmd string, stdin io.Reader) (Output, error) {
	var out Output
	sess, err := c.ssh.NewSession()
	if err != nil {
		if dead := c.Err(); dead != nil {
			err = dead
		}
		return out, &RunError{Node: c.Node, Command: cmd, Err: fmt.Errorf("open session: %w", err)}
	}
	defer sess.Close()
	var stdout, stderr bytes.Buffer
	sess.Stdout, sess.Stderr, sess.Stdin = &stdout, &stderr, stdin
	if err := sess.Start(cmd); err != nil {
		return out, &RunError{Node: c.Node, Command: cmd, Output: Output{Exit: -1}, Err: fmt.Errorf("start: %w", err)}
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		// Ask sshd to kill the command, then drop the channel; Wait
		// returns once the server or the connection closes it.
		_ = sess.Signal(ssh.SIGKILL)
		sess.Close()
		return Output{Exit: -1}, &RunError{Node: c.Node, Command: cmd, Output: Output{Exit: -1}, Err: context.Cause(ctx)}
	}
	out = Output{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
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

// Stream runs cmd on the node and calls each with every line it prints on
// stdout, until it exits or ctx ends (which returns nil).
func (c *Client) Stream(ctx context.Context, cmd string, each func(line []byte)) error {
	sess, err := c.ssh.NewSession()
	if err != nil {
		if dead := c.Err(); dead != nil {
			err = dead
		}
		return &RunError{Node: c.Node, Command: cmd, Err: fmt.Errorf("open session: %w", err)}
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
	stop := context.AfterFunc(ctx, func() {
		_ = sess.Signal(ssh.SIGKILL)
		sess.Close()
	})
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
	fail := func(out Output, err error) (Output, error) {
		return out, &RunError{Node: c.Node, Command: cmd, Output: out, Err: err}
	}
	sess, err := c.ssh.NewSession()
	if err != nil {
		if dead := c.Err(); dead != nil {
			err = dead
		}
		return fail(Output{Exit: -1}, fmt.Errorf("open session: %w", err))
	}
	defer sess.Close()
	stdin, err := sess.StdinPipe()
	if err != nil {
		return fail(Output{Exit: -1}, err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return fail(Output{Exit: -1}, err)
	}
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	if err := sess.Start(cmd); err != nil {
		return fail(Output{Exit: -1}, fmt.Errorf("start: %w", err))
	}
	stop := context.AfterFunc(ctx, func() {
		_ = sess.Signal(ssh.SIGKILL)
		sess.Close()
	})
	defer stop()
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
	err = sess.Wait()
	out := Output{Stdout: all.Bytes(), Stderr: stderr.Bytes()}
	if ctx.Err() != nil {
		out.Exit = -1
		return fail(out, context.Cause(ctx))
	}
	if err == nil {
		return out, nil
	}
	var ee *ssh.ExitError
	if errors.As(err, &ee) {
		out.Exit = ee.ExitStatus()
		return fail(out, fmt.Errorf("exit status %d", out.Exit))
	}
	out.Exit = -1
	if dead := c.Err(); dead != nil {
		err = dead
	}
	return fail(out, err)
}
