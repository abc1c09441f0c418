package flock

import "errors"

// ErrHeld is TryLock's error when another holder has the lock.
var ErrHeld = errors.New("lock held by another process")
