package lab

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/gossiplab/gossiplab/internal/boundedfile"
	"github.com/gossiplab/gossiplab/internal/flock"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// Lock is an exclusive, advisory lock on a lab directory. The operating
// system releases it when the holder exits, even by kill -9, so a crashed
// command never leaves a lab locked.
type Lock struct {
	f *os.File
}

// ErrLocked is wrapped by Acquire when another process holds the lock.
var ErrLocked = errors.New("lab is locked")

// AcquireLock takes the lab's lock without waiting. what names the
// command, for the message another command gets while it is held.
func AcquireLock(p Paths, what string) (*Lock, error) {
	if err := os.MkdirAll(p.StateDir(), 0o755); err != nil {
		return nil, fmt.Errorf("lock lab: %w", err)
	}
	f, err := os.OpenFile(p.LockFile(), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock lab: %w", err)
	}
	if err := flock.TryLock(f); errors.Is(err, flock.ErrHeld) {
		holder, _ := boundedfile.ReadFile(p.LockFile(), 4096)
		f.Close()
		h := strings.TrimSpace(string(holder))
		if h == "" {
			h = "another lab command"
		}
		return nil, hint.Errorf("wait for it to finish (Ctrl-C stops it cleanly); the lock goes away when that process exits", "%w: %s is working on it", ErrLocked, h)
	} else if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock lab: %s: %w", p.LockFile(), err)
	}
	// Record the holder for the message above; failure to do so is harmless.
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(fmt.Sprintf("pid %d (%s)\n", os.Getpid(), what)), 0)
	return &Lock{f: f}, nil
}

// Release drops the lock. It is safe to call more than once.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = flock.Unlock(l.f)
	l.f.Close()
	l.f = nil
}
