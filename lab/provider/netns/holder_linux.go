package netns

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
	"golang.org/x/sys/unix"
)

// RunHelper runs a re-executed helper (args as os.Args) and returns the
// process's exit status. Main calls it when IsHelper(os.Args).
func RunHelper(args []string) int {
	if len(args) < 3 {
		fmt.Fprintln(os.Stderr, "lab: internal helper: missing role")
		return 2
	}
	keepReadyFromChildren()
	switch args[2] {
	case "node":
		return runHolder(args[3:])
	case "forward":
		return runForwarder(args[3:])
	}
	fmt.Fprintf(os.Stderr, "lab: internal helper: unknown role %q\n", args[2])
	return 2
}

// keepReadyFromChildren marks the report pipe close-on-exec, so that
// services the helper starts do not hold it open after the report.
func keepReadyFromChildren() { syscall.CloseOnExec(3) }

// ready reports the outcome of a helper's start to the process that
// started it, on file descriptor 3, then closes it.
func ready(err error) {
	f := os.NewFile(3, "ready")
	if f == nil {
		return
	}
	msg := "ok\n"
	if err != nil {
		msg = "error: " + err.Error() + "\n"
	}
	_, _ = f.WriteString(msg)
	f.Close()
}

// runHolder is a node's PID 1. It starts in the node's network namespace
// and in new, empty-of-processes PID, mount and UTS namespaces.
func runHolder(args []string) int {
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	dir := fs.String("dir", "", "node directory")
	hostname := fs.String("hostname", "", "node hostname")
	grace := fs.Duration("grace", 5*time.Second, "halt grace period")
	fs.String("ns", "", "network namespace (for ps; the holder is already in it)")
	if err := fs.Parse(args); err != nil {
		ready(err)
		return 2
	}
	// SIGCHLD before the first child, so no exit is missed.
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, unix.SIGCHLD, unix.SIGTERM, unix.SIGINT)
	if err := setupNode(nodeDirs{root: *dir}, *hostname); err != nil {
		ready(err)
		return 1
	}
	if err := clearFirewall(); err != nil {
		ready(err)
		return 1
	}
	if err := startServices(); err != nil {
		ready(err)
		return 1
	}
	ready(nil)
	for sig := range sigs {
		if sig == unix.SIGCHLD {
			reap(false)
			continue
		}
		shutdown(*grace)
		return 0
	}
	return 0
}

// setupNode gives the node its hostname and file system. Mount sources
// are host paths, so /root and /tmp, which may hold the lab directory,
// are mounted last.
func setupNode(d nodeDirs, hostname string) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	if err := unix.Sethostname([]byte(hostname)); err != nil {
		return fmt.Errorf("set hostname: %w", err)
	}
	overlay := func(target, what string) error {
		opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", target, d.upper(what), d.work(what))
		if err := unix.Mount("overlay", target, "overlay", 0, opts); err != nil {
			return hint.Errorf("the lab directory must be on a local file system that overlayfs accepts as upper layer (ext4, xfs, btrfs, tmpfs; not overlayfs, as in a container, nor NFS): move the lab there with --dir", "mount overlay on %s (%s): %w", target, opts, err)
		}
		return nil
	}
	bind := func(src, target string) error {
		if err := os.MkdirAll(target, 0o755); err != nil {
			return fmt.Errorf("bind %s: %w", target, err)
		}
		if err := unix.Mount(src, target, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind %s on %s: %w", src, target, err)
		}
		return nil
	}
	fresh := func(fstype, target, data string) error {
		if err := unix.Mount(fstype, target, fstype, unix.MS_NOSUID|unix.MS_NODEV, data); err != nil {
			return fmt.Errorf("mount %s on %s: %w", fstype, target, err)
		}
		return nil
	}
	steps := []func() error{
		func() error { return overlay("/etc", "etc") },
		func() error { return overlay("/var/lib", "var-lib") },
		func() error { return bind(d.usrLocalBin(), "/usr/local/bin") },
		func() error { return bind(d.varLog(), "/var/log") },
		func() error { return bind(d.home(), "/root") },
		func() error { return fresh("tmpfs", "/run", "mode=0755,size=64m") },
		func() error { return os.MkdirAll("/run/sshd", 0o755) },
		func() error { return fresh("proc", "/proc", "") },
		func() error { return fresh("sysfs", "/sys", "") },
		func() error { return fresh("tmpfs", "/tmp", "mode=1777,size=256m") },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return os.Chdir("/")
}

// clearFirewall empties the node's nftables ruleset: a namespace keeps
// its rules while the node is halted, but a VM boots with none (lab
// chaos's partitions and losses do not survive a reboot there either).
// Without nft on the host there can be no rules.
func clearFirewall() error {
	nft, err := exec.LookPath("nft")
	if err != nil {
		return nil
	}
	if out, err := exec.Command(nft, "flush", "ruleset").CombinedOutput(); err != nil {
		return fmt.Errorf("clear the node's firewall (nft flush ruleset): %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// startServices starts sshd and, as a VM without systemd would at boot,
// /etc/rc.local when it is executable. Their exits are reaped by the
// holder's loop.
func startServices() error {
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8"}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer devnull.Close()
	start := func(log string, argv ...string) error {
		out, err := os.OpenFile(log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("start %s: %w", argv[0], err)
		}
		defer out.Close()
		_, err = os.StartProcess(argv[0], argv, &os.ProcAttr{
			Dir: "/", Env: env, Files: []*os.File{devnull, out, out},
			Sys: &syscall.SysProcAttr{Setsid: true},
		})
		if err != nil {
			return fmt.Errorf("start %s: %w", argv[0], err)
		}
		return nil
	}
	if err := start("/var/log/sshd.log", sshdBinary, "-D", "-e", "-f", "/etc/ssh/sshd_config"); err != nil {
		return err
	}
	if st, err := os.Stat("/etc/rc.local"); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
		if err := start("/var/log/rc.local.log", "/etc/rc.local"); err != nil {
			return err
		}
	}
	return nil
}

// reap collects exited children; with block it waits until there are
// none left and reports true then.
func reap(block bool) bool {
	for {
		opts := unix.WNOHANG
		if block {
			opts = 0
		}
		pid, err := unix.Wait4(-1, nil, opts, nil)
		if errors.Is(err, unix.ECHILD) {
			return true
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || pid <= 0 {
			return false
		}
	}
}

// shutdown passes SIGTERM to every process of the node and returns when
// they are gone or the grace period ends; the holder's exit then kills
// whatever is left, as the kernel does to a PID namespace whose init dies.
func shutdown(grace time.Duration) {
	_ = unix.Kill(-1, unix.SIGTERM)
	done := make(chan struct{})
	go func() {
		reap(true)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
	}
}
