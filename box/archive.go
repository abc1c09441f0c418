package box

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// archiveFile is a file of a box: data, or the file at path.
type archiveFile struct {
	name string
	data []byte
	path string
}

// writeBox archives the output's files into its box file.
func (b *builder) writeBox(ctx context.Context, out Output, f format) error {
	files, err := f.files(b)
	if err != nil {
		return err
	}
	size, sum, err := writeArchive(ctx, out.Path, b.o.Force, files, time.Unix(b.o.SourceDateEpoch, 0))
	if err != nil {
		return err
	}
	b.res.Boxes = append(b.res.Boxes, Box{Provider: out.Provider, Path: out.Path, Size: size, SHA256: sum})
	return nil
}

// writeArchive writes files as a tar.gz (every entry owned by root, dated
// mtime) to a temporary file beside dst, then puts it in place: over an
// existing dst only with force, and never half written. It returns the
// archive's size and SHA256.
func writeArchive(ctx context.Context, dst string, force bool, files []archiveFile, mtime time.Time) (int64, string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return 0, "", err
	}
	defer os.Remove(tmp.Name()) // after the rename or link, a no-op or the spare name
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(tmp, h)}
	err = archive(ctx, cw, files, mtime)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, "", err
	}
	if force {
		err = os.Rename(tmp.Name(), dst)
	} else if err = os.Link(tmp.Name(), dst); errors.Is(err, fs.ErrExist) {
		err = fmt.Errorf("%s: %w", dst, fs.ErrExist)
	}
	if err != nil {
		return 0, "", err
	}
	return cw.n, hex.EncodeToString(h.Sum(nil)), nil
}

func archive(ctx context.Context, w io.Writer, files []archiveFile, mtime time.Time) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed) // the disk images are compressed already
	if err != nil {
		return err
	}
	zw.ModTime = mtime
	tw := tar.NewWriter(zw)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := addFile(tw, f, mtime); err != nil {
			return fmt.Errorf("archive %s: %w", f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

func addFile(tw *tar.Writer, f archiveFile, mtime time.Time) error {
	var r io.Reader = bytes.NewReader(f.data)
	size := int64(len(f.data))
	if f.path != "" {
		file, err := os.Open(f.path)
		if err != nil {
			return err
		}
		defer file.Close()
		fi, err := file.Stat()
		if err != nil {
			return err
		}
		r, size = file, fi.Size()
	}
	hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: size, ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := io.Copy(tw, r)
	return err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
