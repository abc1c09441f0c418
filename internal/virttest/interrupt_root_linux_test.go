package virttest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptRoot runs a test that holds an Env in a child process,
// interrupts it (SIGINT, as Ctrl-C does) and checks that the child
// removed the namespace and its directory before it died.
func TestInterruptRoot(t *testing.T) {
	if os.Getenv("VIRTTEST_CHILD") == "1" {
		env := New(t, Options{Prefix: "boxsig"})
		fmt.Printf("env %s %s\n", env.Name, env.Dir)
		time.Sleep(10 * time.Minute)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestInterruptRoot$", "-test.v")
	cmd.Env = append(os.Environ(), "VIRTTEST_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var name, dir string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "env" {
			name, dir = f[1], f[2]
			break
		}
		if strings.Contains(sc.Text(), "SKIP") {
			t.Skip(sc.Text())
		}
	}
	if name == "" {
		t.Fatal("the child did not start an Env")
	}
	go func() {
		for sc.Scan() {
		}
	}()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Logf("child: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("the interrupted child did not exit")
	}
	if _, err := os.Stat(filepath.Join("/run/netns", name)); err == nil {
		t.Errorf("namespace %s survived the interrupt", name)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("%s survived the interrupt", dir)
	}
}
