//go:build !unix

package execx

import (
	"os/exec"
	"time"
)

// setCancel: without process groups, a cancel kills the process after
// the grace period's worth of WaitDelay.
func setCancel(cmd *exec.Cmd, grace time.Duration) func() {
	cmd.WaitDelay = grace
	return func() {}
}
