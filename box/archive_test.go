package box

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWriteArchive(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "box.img")
	if err := os.WriteFile(img, bytes.Repeat([]byte("disk"), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	files := []archiveFile{{name: "metadata.json", data: []byte(`{"provider":"libvirt"}`)}, {name: "box.img", path: img}}
	mtime := time.Unix(1_700_000_000, 0)
	ctx := context.Background()
	dst := filepath.Join(dir, "a.box")

	size, sum, err := writeArchive(ctx, dst, false, files, mtime)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(dst)
	if int64(len(first)) != size || sum == "" {
		t.Errorf("size %d, sum %q for a %d-byte file", size, sum, len(first))
	}
	// Not replaced without force; replaced, identically, with it.
	if _, _, err := writeArchive(ctx, dst, false, files, mtime); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second write without force: %v", err)
	}
	_, sum2, err := writeArchive(ctx, dst, true, files, mtime)
	if err != nil {
		t.Fatal(err)
	}
	if second, _ := os.ReadFile(dst); !bytes.Equal(first, second) || sum2 != sum {
		t.Error("the same files made a different archive")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".a.box.tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// What is inside: the files, in order, owned by root, dated mtime.
	zr, err := gzip.NewReader(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || !h.ModTime.Equal(mtime) || h.Mode != 0o644 {
			t.Errorf("%s: uid %d, mtime %v, mode %o", h.Name, h.Uid, h.ModTime, h.Mode)
		}
		got = append(got, h.Name)
	}
	if diff := cmp.Diff([]string{"metadata.json", "box.img"}, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

func TestWriteArchiveCancelled(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dst := filepath.Join(dir, "a.box")
	if _, _, err := writeArchive(ctx, dst, false, []archiveFile{{name: "x", data: []byte("x")}}, time.Unix(0, 0)); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want cancelled", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a cancelled write left %v", entries)
	}
}
