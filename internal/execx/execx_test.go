package execx

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestRunCapturesOutputOnFailure(t *testing.T) {
	_, err := Run(context.Background(), "sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *Error", err)
	}
	if e.ExitCode() != 3 {
		t.Errorf("exit code = %d, want 3", e.ExitCode())
	}
	for _, want := range []string{"to-stdout", "to-stderr", "sh -c"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestRunReturnsStdoutOnly(t *testing.T) {
	out, err := Run(context.Background(), "sh", "-c", "echo out; echo err >&2")
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "out\n" {
		t.Errorf("stdout = %q", out)
	}
}

func TestRunMissingCommand(t *testing.T) {
	_, err := Run(context.Background(), "gossiplab-no-such-command")
	if err == nil || !strings.Contains(err.Error(), "gossiplab-no-such-command") {
		t.Fatalf("err = %v", err)
	}
}

func TestRunInterleavedOutputIsRaceFree(t *testing.T) {
	// Run with -race: stdout and stderr are copied by two goroutines.
	var stream strings.Builder
	_, err := Exec{}.Run(context.Background(), Cmd{
		Args:   []string{"sh", "-c", "for i in 1 2 3 4 5 6 7 8; do echo out$i; echo err$i >&2; done"},
		Stream: &unsyncedWriter{b: &stream},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stream.String(), "err8") {
		t.Errorf("stream = %q", stream.String())
	}
}

// unsyncedWriter has no lock of its own: Run must serialise writes.
type unsyncedWriter struct{ b *strings.Builder }

func (s *unsyncedWriter) Write(p []byte) (int, error) { return s.b.Write(p) }

func TestCancelStopsTheWholeProcessGroup(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		// The child shell traps SIGINT and records it; a grandchild sleeps.
		_, err := Exec{}.Run(ctx, Cmd{
			Args:  []string{"sh", "-c", `trap 'echo interrupted > ` + dir + `/got; exit 130' INT; sleep 30 & echo started > ` + dir + `/started; wait`},
			Grace: 2 * time.Second,
		})
		done <- err
	}()
	waitFile(t, dir+"/started")
	cancel()
	select {
	case err := <-done:
		if err == nil || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("cancelled command did not return")
	}
	waitFile(t, dir+"/got")
}

func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
