package netns

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gossiplab/gossiplab/lab"
)

// startHelper starts the lab binary as a detached helper (its own
// session: Ctrl-C and the end of this process leave it running), in the
// network namespace at netnsPath ("" for the host's), and waits for it to
// report that it is ready or why it is not.
func (p *Provider) startHelper(ctx context.Context, netnsPath, logPath, role string, args ...string) error {
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("start %s helper: %w", role, err)
	}
	defer logf.Close()
	rd, wr, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("start %s helper: %w", role, err)
	}
	defer rd.Close()
	cmd := exec.Command(p.opts.Exe, append([]string{HelperArg, role}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{wr}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if role == "node" {
		cmd.SysProcAttr.Cloneflags = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWPID
	}
	start := cmd.Start
	if netnsPath != "" {
		start = func() error { return inNetns(netnsPath, cmd.Start) }
	}
	err = start()
	wr.Close()
	if err != nil {
		return fmt.Errorf("start %s helper %s: %w", role, p.opts.Exe, err)
	}
	go func() { _ = cmd.Wait() }() // reap it if it ends while we run
	type result struct {
		line string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		msg, err := io.ReadAll(rd) // until the helper closes it: messages may span lines
		res <- result{string(msg), err}
	}()
	select {
	case r := <-res:
		switch {
		case r.line == "ok\n":
			return nil
		case strings.HasPrefix(r.line, "error: "):
			return fmt.Errorf("%s helper: %s", role, strings.TrimSpace(strings.TrimPrefix(r.line, "error: ")))
		default:
			return fmt.Errorf("%s helper exited before it was ready; its log %s says:\n%s", role, logPath, tail(logPath))
		}
	case <-time.After(helperStartTimeout):
		_ = cmd.Process.Kill()
		return fmt.Errorf("%s helper did not report within %v; killed it; its log %s says:\n%s", role, helperStartTimeout, logPath, tail(logPath))
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		return ctx.Err()
	}
}

// helperStartTimeout bounds a helper's setup (mounts, binding ports).
const helperStartTimeout = 30 * time.Second

// tail returns the last lines of a log file, for error messages.
func tail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "  (" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// waitSSH waits until the node's sshd answers with its banner through the
// forwarded port, as an SSH client will reach it.
func (p *Provider) waitSSH(ctx context.Context, l *lab.Lab, n lab.Node) error {
	addr := "127.0.0.1:" + strconv.Itoa(n.SSHPort)
	deadline := time.Now().Add(p.opts.SSHTimeout)
	var last error
	for time.Now().Before(deadline) {
		if last = sshBanner(ctx, addr); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	log := filepath.Join(dirsOf(l, n.Name).varLog(), "sshd.log")
	return fmt.Errorf("sshd not reachable on %s after %v: %v; %s says:\n%s", addr, p.opts.SSHTimeout, last, log, tail(log))
}

func sshBanner(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("no SSH banner: %w", err)
	}
	if !bytes.HasPrefix([]byte(line), []byte("SSH-")) {
		return fmt.Errorf("not an SSH server: %q", line)
	}
	return nil
}
