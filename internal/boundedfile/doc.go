// Package boundedfile reads files that a user or another program names
// (configuration, state, snapshots) without trusting what the path
// points at: the file is opened without blocking, must be a regular
// file, and may hold at most a given number of bytes.
//
// A named pipe, a device such as /dev/zero (or a symbolic link to one), a
// socket or a directory is refused at once with an error naming the file
// and what it is, instead of hanging on a pipe with no writer or reading
// an endless device into memory. A file over the limit is refused with an
// error naming the file and the limit, also when it grows while being
// read. Errors match ErrNotRegular and ErrTooLarge with errors.Is; a
// missing file gives the usual error that matches fs.ErrNotExist.
//
//	b, err := boundedfile.ReadFile(path, 1<<20)
//
// Reading a regular file does not wait on anything but the disk, so the
// functions take no context.
package boundedfile
