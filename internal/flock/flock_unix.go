//go:build unix

package flock

import (
	"os"
	"syscall"
)

// TryLock takes an exclusive lock on f without waiting; it fails with
// ErrHeld when another open file description holds one.
func TryLock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == syscall.EWOULDBLOCK {
		return ErrHeld
	}
	return err
}

// Lock takes an exclusive lock on f, waiting for the holder to drop it.
func Lock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}

// Unlock drops the lock on f.
func Unlock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
