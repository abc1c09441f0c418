package provision

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestUploadRootSSHDCancelled: ctx ending mid-upload closes the SFTP
// session, which stops the transfer; upload returns ctx's cause, and the
// SSH connection stays usable.
func TestUploadRootSSHDCancelled(t *testing.T) {
	s := startSSHD(t, sshdOptions{})
	c, err := Dial(context.Background(), s.endpoint("web_1"), NewKnownHosts(filepath.Join(t.TempDir(), "kh")), quickDial())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dir := t.TempDir()
	// A sparse file: it reads as fast as memory and takes the loopback
	// sshd far longer to receive than the cancellation takes.
	const size = 512 << 20
	src := filepath.Join(dir, "big")
	if err := os.WriteFile(src, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(src, size); err != nil {
		t.Fatal(err)
	}
	up := newFile("binary", filepath.Join(dir, "bin", "labagent"), 0o755, "", true)
	up.local = src

	stopped := errors.New("stopped by the test")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	done := make(chan struct{})
	go func() { // cancel once the transfer is under way
		for {
			if fi, err := os.Stat(up.staged); err == nil && fi.Size() >= 1<<20 {
				cancel(stopped)
				return
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	err = upload(ctx, c, []*file{up}, true, nil)
	close(done)
	if !errors.Is(err, stopped) {
		t.Fatalf("upload = %v, want the cancellation's cause", err)
	}
	if fi, err := os.Stat(up.staged); err == nil && fi.Size() >= size {
		t.Errorf("the whole file arrived (%d bytes) although the upload was cancelled", fi.Size())
	}
	if _, err := c.Run(context.Background(), "true", nil); err != nil {
		t.Errorf("the connection after a cancelled upload: %v", err)
	}
}
