package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"time"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
)

// writeArchive writes dir as a gzipped tar whose entries sit under
// prefix/, sorted by name, owned by 0:0 and dated mtime, with modes 0755
// (directories, executables) or 0644; a file that is a hard link to one
// written before becomes a link entry. The same tree gives the same bytes.
func writeArchive(dst, dir, prefix string, mtime time.Time) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	a := &archive{tw: tar.NewWriter(zw), dir: dir, prefix: prefix, mtime: mtime.Truncate(time.Second)}
	err = filepath.WalkDir(dir, a.add)
	if err == nil {
		err = a.tw.Close()
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return fmt.Errorf("archive %s: %w", dst, err)
	}
	return writeFile(dst, buf.Bytes(), 0o644)
}

// archive is a tar of a directory being written.
type archive struct {
	tw          *tar.Writer
	dir, prefix string
	mtime       time.Time
	files       []written // the regular files written, to find hard links
}

type written struct {
	name string
	info fs.FileInfo
}

// add writes the entry of p, a file or directory under a.dir (a
// fs.WalkDirFunc).
func (a *archive) add(p string, d fs.DirEntry, err error) error {
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(a.dir, p)
	if err != nil {
		return err
	}
	info, err := d.Info()
	if err != nil {
		return err
	}
	h := &tar.Header{Name: path.Join(a.prefix, filepath.ToSlash(rel)), ModTime: a.mtime, Mode: 0o644, Format: tar.FormatPAX}
	switch {
	case d.IsDir():
		h.Typeflag, h.Name, h.Mode = tar.TypeDir, h.Name+"/", 0o755
		return a.tw.WriteHeader(h)
	case !info.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", p)
	}
	if info.Mode().Perm()&0o111 != 0 {
		h.Mode = 0o755
	}
	for _, w := range a.files {
		if os.SameFile(w.info, info) {
			h.Typeflag, h.Linkname = tar.TypeLink, w.name
			return a.tw.WriteHeader(h)
		}
	}
	a.files = append(a.files, written{h.Name, info})
	h.Typeflag, h.Size = tar.TypeReg, info.Size()
	if err := a.tw.WriteHeader(h); err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(a.tw, f)
	return err
}

// writeSums writes dist/SHA256SUMS for the named files, in the format
// `sha256sum -c` reads.
func writeSums(dist string, names []string) error {
	names = append([]string(nil), names...)
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dist, n))
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%x  %s\n", sha256.Sum256(data), n)
	}
	return writeFile(filepath.Join(dist, "SHA256SUMS"), b.Bytes(), 0o644)
}

// writeFile writes atomically, creating the directory.
func writeFile(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, perm)
}
