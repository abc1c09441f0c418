//go:build unix

package boundedfile

import (
	"os"
	"syscall"
)

// openNonblock opens path read-only with O_NONBLOCK, so that opening a
// named pipe without a writer (or a device that waits for a carrier)
// returns at once, and O_NOCTTY, so that a terminal does not become the
// process's controlling terminal. O_NONBLOCK changes nothing for the
// regular files that are then read.
func openNonblock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}
