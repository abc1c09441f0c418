package chaos

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestEndWithInput runs the wrapper in the shells a node may have: the
// command ends when its input closes, and the session ends when the
// command does while the input is still open.
func TestEndWithInput(t *testing.T) {
	for _, sh := range []string{"sh", "bash"} {
		if _, err := exec.LookPath(sh); err != nil {
			t.Fatalf("%s: %v", sh, err)
		}
		t.Run(sh+"/input closed", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c := exec.CommandContext(ctx, sh, "-c", endWithInput("sleep 60"))
			in, err := c.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- c.Wait() }()
			select {
			case err := <-done:
				t.Fatalf("ended with its input open: %v", err)
			case <-time.After(500 * time.Millisecond):
			}
			in.Close()
			err = <-done
			if ctx.Err() != nil {
				t.Fatal("still running after its input closed")
			}
			if err == nil {
				t.Error("a command ended by its input closing exited 0")
			}
		})
		t.Run(sh+"/command ended", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c := exec.CommandContext(ctx, sh, "-c", endWithInput("echo entry"))
			in, err := c.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			out, err := c.Output()
			if ctx.Err() != nil {
				t.Fatal("still running after its command ended")
			}
			if err != nil || strings.TrimSpace(string(out)) != "entry" {
				t.Errorf("got %q, %v; want entry", out, err)
			}
		})
	}
}
