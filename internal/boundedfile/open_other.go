//go:build !unix

package boundedfile

import "os"

// openNonblock opens path read-only. These systems have no O_NONBLOCK
// open; the file type is still checked before anything is read.
func openNonblock(path string) (*os.File, error) { return os.Open(path) }
