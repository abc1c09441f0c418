package virttest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gossiplab/gossiplab/internal/execx"
)

// Cleanup destroys every domain, volume, pool and network libvirt has in
// the namespace, stops the daemons, kills what still runs there, deletes
// the namespace and removes Dir. It is safe to call more than once (the
// first call does the work) and returns everything that went wrong,
// including anything libvirt still listed afterwards.
func (e *Env) Cleanup(ctx context.Context) error {
	e.once.Do(func() { e.err = e.cleanup(ctx) })
	return e.err
}

func (e *Env) cleanup(ctx context.Context) error {
	var errs []error
	if e.libvirtRunning() {
		errs = append(errs, e.destroyAll(ctx))
	}
	for i := len(e.daemons) - 1; i >= 0; i-- {
		errs = append(errs, stop(e.daemons[i]))
	}
	if err := killNamespace(e.Name); err != nil {
		errs = append(errs, err)
	}
	if e.holder != nil {
		errs = append(errs, stop(e.holder))
	}
	if _, err := os.Stat(filepath.Join("/run/netns", e.Name)); err == nil {
		if _, err := execx.Run(ctx, "ip", "netns", "del", e.Name); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(e.Dir); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("clean up namespace %s: %w", e.Name, err)
	}
	return nil
}

func (e *Env) libvirtRunning() bool {
	if e.holder == nil {
		return false
	}
	for _, d := range e.daemons {
		if d.name != "libvirtd" {
			continue
		}
		select {
		case <-d.exited:
			return false
		default:
			return true
		}
	}
	return false
}

// stop ends a process the Env started: SIGTERM to its process group,
// SIGKILL after 10 seconds.
func stop(d *daemon) error {
	pgid := d.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-d.exited:
		return nil
	case <-time.After(10 * time.Second):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-d.exited:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("%s (pid %d) does not exit", d.name, pgid)
	}
}

// killNamespace kills every process in network namespace name (qemu,
// dnsmasq, ssh tunnels, the holder) until none is left.
func killNamespace(name string) error {
	ns, err := os.Stat(filepath.Join("/run/netns", name))
	if err != nil {
		return nil
	}
	for deadline := time.Now().Add(15 * time.Second); ; {
		pids := pidsIn(ns)
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v in namespace %s survive SIGKILL", pids, name)
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pidsIn lists the live processes whose network namespace is ns.
func pidsIn(ns os.FileInfo) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		fi, err := os.Stat(filepath.Join("/proc", ent.Name(), "ns", "net"))
		if err != nil { // gone, or a zombie
			continue
		}
		if os.SameFile(fi, ns) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Pids lists the processes running inside the namespace (the holder, the
// daemons, qemu, dnsmasq...).
func (e *Env) Pids() []int {
	ns, err := os.Stat(filepath.Join("/run/netns", e.Name))
	if err != nil {
		return nil
	}
	return pidsIn(ns)
}

// Sweep removes what dead runs with this prefix left behind: for each
// namespace named prefix-PID-RANDOM whose PID no longer exists, it kills
// the processes inside, deletes the namespace and removes its directory.
// Namespaces of live runs and of other prefixes are left alone.
func Sweep(ctx context.Context, prefix string) error {
	entries, err := os.ReadDir("/run/netns")
	if err != nil {
		return nil // no namespace at all
	}
	var errs []error
	for _, ent := range entries {
		pid, ok := creator(ent.Name(), prefix)
		if !ok || alive(pid) {
			continue
		}
		e := &Env{Name: ent.Name(), Dir: filepath.Join(os.TempDir(), ent.Name())}
		errs = append(errs, e.Cleanup(ctx))
	}
	return errors.Join(errs...)
}

// creator returns the PID in a name made by Start with prefix.
func creator(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix+"-")
	if !ok {
		return 0, false
	}
	p, random, ok := strings.Cut(rest, "-")
	if !ok || len(random) != 6 {
		return 0, false
	}
	pid, err := strconv.Atoi(p)
	return pid, err == nil && pid > 0
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
