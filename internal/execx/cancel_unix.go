//go:build unix

package execx

import (
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// setCancel puts the command in a process group of its own, so that a
// cancel reaches the processes it started too: SIGINT first, SIGKILL
// after grace. The returned func kills what is left of the group once the
// command has exited after a cancel.
func setCancel(cmd *exec.Cmd, grace time.Duration) func() {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var (
		mu        sync.Mutex
		cancelled bool
		timer     *time.Timer
	)
	cmd.Cancel = func() error {
		mu.Lock()
		defer mu.Unlock()
		cancelled = true
		pgid := cmd.Process.Pid
		timer = time.AfterFunc(grace, func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
		return syscall.Kill(-pgid, syscall.SIGINT)
	}
	// Wait returns once the leader exits and its output pipes close; give
	// the group the grace period, then stop waiting for stragglers.
	cmd.WaitDelay = grace + time.Second
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if cancelled && cmd.Process != nil {
			if timer != nil {
				timer.Stop()
			}
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}
}
