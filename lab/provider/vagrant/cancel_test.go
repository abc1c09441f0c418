//go:build unix

package vagrant

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/lab"
)

// TestCancelKillsVagrant runs Up with a stand-in vagrant that records its
// pid and hangs, cancels the context once every process has started, and
// checks that Up returns the cancellation and no process survives.
func TestCancelKillsVagrant(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "vagrant")
	script := "#!/bin/sh\necho $$ > \"" + dir + "/pid.$(echo \"$@\" | tr -c 'a-z0-9_\\n' _)\"\nexec sleep 600\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := New(Options{Provider: "libvirt", Runner: execx.Exec{}, Binary: fake})
	if err != nil {
		t.Fatal(err)
	}
	l := testLab(t, "libvirt", 1)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Up(ctx, l, []string{"web_1"}, lab.UpOptions{Parallel: 1}) }()

	var pids []int
	deadline := time.Now().Add(30 * time.Second)
	for len(pids) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		pids = readPids(t, dir)
	}
	if len(pids) == 0 {
		t.Fatal("the stand-in vagrant never started")
	}
	cancel()
	err = <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Up = %v, want context.Canceled", err)
	}
	for _, pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("vagrant process %d still runs after cancel", pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func readPids(t *testing.T, dir string) []int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "pid.*"))
	var pids []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !strings.HasSuffix(string(b), "\n") {
			continue // not written yet
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}
