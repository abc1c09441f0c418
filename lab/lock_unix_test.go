//go:build unix

package lab

import (
	"bufio"
	"os"
	"os/exec"
	"testing"
)

// TestLockHolderProcess is not a test: TestLockReleasedWhenHolderIsKilled
// runs the test binary with it as a process that takes the lock and waits.
func TestLockHolderProcess(t *testing.T) {
	dir := os.Getenv("GOSSIPLAB_LOCK_HOLDER_DIR")
	if dir == "" {
		t.Skip("helper process for TestLockReleasedWhenHolderIsKilled")
	}
	if _, err := AcquireLock(Paths{Dir: dir}, "lab up"); err != nil {
		os.Stdout.WriteString("error: " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("locked\n")
	select {} // until killed
}

func TestLockReleasedWhenHolderIsKilled(t *testing.T) {
	p := Paths{Dir: t.TempDir()}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHolderProcess$")
	cmd.Env = append(os.Environ(), "GOSSIPLAB_LOCK_HOLDER_DIR="+p.Dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("holder said %q", line)
	}
	if _, err := AcquireLock(p, "lab up"); err == nil {
		t.Fatal("took the lock while another process holds it")
	}
	cmd.Process.Kill() // kill -9, as a crashed lab up
	cmd.Wait()
	l, err := AcquireLock(p, "lab up")
	if err != nil {
		t.Fatalf("lock still held after its holder was killed: %v", err)
	}
	l.Release()
}
