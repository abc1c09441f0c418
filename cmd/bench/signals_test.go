package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Ctrl-C ends bench converge within seconds, with 130, after writing
// what finished, marked incomplete; SIGTERM the same with 143.
func TestSignalsEndBenchConverge(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			out := t.TempDir()
			c := exec.Command(os.Args[0], "converge", "--backend", "memberlist,sim", "--nodes", "10", "--event", "fail", "--runs", "50", "--out", out, "--name", "sig")
			c.Env = append(os.Environ(), "BENCH_TEST_MAIN=1")
			var buf bytes.Buffer
			c.Stdout, c.Stderr = &buf, &buf
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			// Let the memberlist backend start its cluster and a run or two.
			time.Sleep(8 * time.Second)
			sent := time.Now()
			if err := c.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- c.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				_ = c.Process.Kill()
				t.Fatalf("bench still runs 30 s after %v:\n%s", sig, buf.String())
			}
			t.Logf("bench ended %v after %v", time.Since(sent).Round(time.Millisecond), sig)
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 128+int(sig) {
				t.Errorf("bench after %v: %v, want exit status %d\n%s", sig, err, 128+int(sig), buf.String())
			}
			dirs, _ := filepath.Glob(filepath.Join(out, "*-sig"))
			if len(dirs) != 1 {
				t.Fatalf("results directories %v, want one", dirs)
			}
			sum, err := os.ReadFile(filepath.Join(dirs[0], "summary.json"))
			if err != nil || !strings.Contains(string(sum), `"incomplete": true`) {
				t.Errorf("summary.json of the interrupted run (%v) is not marked incomplete:\n%.500s", err, sum)
			}
		})
	}
}
