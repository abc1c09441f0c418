package main

import (
	"os/exec"
	"syscall"
)

// dieWithTest makes the child get SIGKILL if the test process dies
// without running its cleanups (a timeout panic, kill -9).
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
