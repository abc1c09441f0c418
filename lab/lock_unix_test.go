//go:build unix

package lab

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestLockReleasedWhenHolderIsKilled(t *testing.T) {
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("flock(1) from util-linux is not installed")
	}
	p := Paths{Dir: t.TempDir()}
	os.MkdirAll(p.StateDir(), 0o755)
	cmd := exec.Command("flock", "-o", p.LockFile(), "sleep", "60") // -o: only flock(1) itself holds the lock
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // and its sleep child
	deadline := time.Now().Add(10 * time.Second)
	for {
		l, err := AcquireLock(p, "test")
		if err != nil {
			break // the child holds it
		}
		l.Release()
		if time.Now().After(deadline) {
			t.Fatal("child never took the lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill() // kill -9 of the holder only
	cmd.Wait()
	l, err := AcquireLock(p, "test")
	if err != nil {
		t.Fatalf("lock still held after its holder was killed: %v", err)
	}
	l.Release()
}
