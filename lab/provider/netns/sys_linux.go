package netns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gossiplab/gossiplab/internal/execx"
)

// inNetns runs fn on an OS thread that has joined the network namespace
// at path: sockets fn makes and processes it starts belong to that
// namespace. If the thread cannot return to its namespace it is not
// handed back to the runtime, so it dies with its goroutine.
func inNetns(path string, fn func() error) error {
	target, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open network namespace: %w", err)
	}
	defer target.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open own network namespace: %w", err)
			return
		}
		defer orig.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter network namespace %s: %w", path, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err == nil {
			runtime.UnlockOSThread()
		}
		errc <- ferr
	}()
	return <-errc
}

// nsInode identifies a namespace file (a /run/netns entry or /proc/PID/ns/net).
func nsInode(path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// listNamespaces returns the named network namespaces starting with
// prefix, with their inodes.
func listNamespaces(prefix string) (map[string]uint64, error) {
	entries, err := os.ReadDir(runNetns)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]uint64{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list network namespaces: %w", err)
	}
	out := map[string]uint64{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		ino, err := nsInode(filepath.Join(runNetns, e.Name()))
		if err != nil {
			continue // an entry being made or removed, or not mounted any more
		}
		out[e.Name()] = ino
	}
	return out, nil
}

// proc is a process seen in a scan of /proc.
type proc struct {
	pid    int
	netIno uint64
	init   bool   // PID 1 of a PID namespace below ours: a node's holder
	cmd    string // command line, NULs as spaces; only for helpers outside lab namespaces
}

// scanProcs lists the processes in the network namespaces whose inodes
// are given, and the lab helpers (forwarders) anywhere.
func scanProcs(inodes map[uint64]bool) ([]proc, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("scan processes: %w", err)
	}
	self := os.Getpid()
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		base := "/proc/" + e.Name()
		link, err := os.Readlink(base + "/ns/net")
		if err != nil {
			continue // gone, or a kernel thread
		}
		ino, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(link, "net:["), "]"), 10, 64)
		if inodes[ino] {
			p := proc{pid: pid, netIno: ino}
			if status, err := os.ReadFile(base + "/status"); err == nil {
				if zombie(status) {
					continue
				}
				p.init = nsInit(status)
			}
			out = append(out, p)
			continue
		}
		cmd, err := os.ReadFile(base + "/cmdline")
		if err != nil || !bytes.Contains(cmd, []byte(HelperArg)) {
			continue
		}
		out = append(out, proc{pid: pid, netIno: ino, cmd: string(bytes.ReplaceAll(bytes.TrimRight(cmd, "\x00"), []byte{0}, []byte{' '}))})
	}
	return out, nil
}

// nsInit reports whether a /proc/PID/status describes PID 1 of a nested
// PID namespace ("NSpid:\t4711\t1").
func nsInit(status []byte) bool {
	for _, line := range bytes.Split(status, []byte{'\n'}) {
		if f := bytes.Fields(line); len(f) > 2 && string(f[0]) == "NSpid:" {
			return string(f[len(f)-1]) == "1"
		}
	}
	return false
}

func zombie(status []byte) bool {
	for _, line := range bytes.Split(status, []byte{'\n'}) {
		if f := bytes.Fields(line); len(f) > 1 && string(f[0]) == "State:" {
			return string(f[1]) == "Z" || string(f[1]) == "X"
		}
	}
	return false
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	return err == nil && !zombie(status)
}

// signalAll sends sig to pids, ignoring those already gone.
func signalAll(pids []int, sig syscall.Signal) {
	for _, pid := range pids {
		_ = unix.Kill(pid, sig)
	}
}

// killWait is how long a process killed with SIGKILL may take to be
// gone: its threads must each run once to exit, which on a host with a
// load of several hundred (a lab of hundreds of agents) takes seconds.
const killWait = 30 * time.Second

// slowDeath is the hint when killed processes outlive killWait.
const slowDeath = "the host is too busy for them to exit in time (see uptime); run the same command again"

// waitGone polls until none of pids is alive or the timeout passes, and
// returns those still alive.
func waitGone(ctx context.Context, pids []int, timeout time.Duration) []int {
	deadline := time.Now().Add(timeout)
	for {
		var left []int
		for _, pid := range pids {
			if alive(pid) {
				left = append(left, pid)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return left
		}
		pids = left
		time.Sleep(10 * time.Millisecond)
	}
}

// ipBatch runs ip commands, one per line, in one process; netns selects
// the namespace ("" for the host's), force goes on past failing lines.
func ipBatch(ctx context.Context, r execx.Runner, netns string, force bool, lines []string) error {
	if len(lines) == 0 {
		return nil
	}
	args := []string{"ip"}
	if netns != "" {
		args = append(args, "-n", netns)
	}
	if force {
		args = append(args, "-force")
	}
	args = append(args, "-batch", "-")
	_, err := r.Run(ctx, execx.Cmd{Args: args, Stdin: strings.NewReader(strings.Join(lines, "\n") + "\n")})
	return err
}
