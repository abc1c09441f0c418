package boundedfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular matches the error for a path that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge matches the error for a file over its limit.
var ErrTooLarge = errors.New("file over its size limit")

// notRegularError names the file and what it is instead.
type notRegularError struct {
	path string
	mode fs.FileMode
}

func (e *notRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.path, describe(e.mode))
}

func (e *notRegularError) Is(target error) bool { return target == ErrNotRegular }

// tooLargeError names the file, its size (when known) and the limit.
type tooLargeError struct {
	path  string
	size  int64 // -1: it grew past the limit while being read
	limit int64
}

func (e *tooLargeError) Error() string {
	if e.size < 0 {
		return fmt.Sprintf("%s grew over the limit of %s while being read", e.path, FormatSize(e.limit))
	}
	return fmt.Sprintf("%s is %d bytes, over the limit of %s", e.path, e.size, FormatSize(e.limit))
}

func (e *tooLargeError) Is(target error) bool { return target == ErrTooLarge }

func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "of type " + m.Type().String()
}

// FormatSize writes a byte count as "4 KiB", "1 MiB" or "1500 bytes".
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// File is an open regular file whose reads stop with an ErrTooLarge
// error past the limit.
type File struct {
	f     *os.File
	limit int64
	read  int64
}

// Open opens path for reading without blocking, checks that it is a
// regular file of at most limit bytes and returns it. Reads past limit
// bytes (the file grew) fail with an error matching ErrTooLarge.
func Open(path string, limit int64) (*File, error) {
	f, err := openNonblock(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat() // fstat: what was opened, after symbolic links
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		_ = f.Close()
		return nil, &notRegularError{path: path, mode: st.Mode()}
	}
	if st.Size() > limit {
		_ = f.Close()
		return nil, &tooLargeError{path: path, size: st.Size(), limit: limit}
	}
	return &File{f: f, limit: limit}, nil
}

// Read reads from the file; past the limit it fails with ErrTooLarge.
func (b *File) Read(p []byte) (int, error) {
	if b.read > b.limit {
		return 0, &tooLargeError{path: b.f.Name(), size: -1, limit: b.limit}
	}
	if max := b.limit + 1 - b.read; int64(len(p)) > max {
		p = p[:max]
	}
	n, err := b.f.Read(p)
	b.read += int64(n)
	if b.read > b.limit {
		return 0, &tooLargeError{path: b.f.Name(), size: -1, limit: b.limit}
	}
	return n, err
}

// Name is the path the file was opened with.
func (b *File) Name() string { return b.f.Name() }

// Close closes the file.
func (b *File) Close() error { return b.f.Close() }

// ReadFile reads the whole of path, which must be a regular file of at
// most limit bytes (see Open).
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := Open(path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		var tl *tooLargeError
		if errors.As(err, &tl) {
			return nil, err
		}
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}
