//go:build unix

package boundedfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fine := write("fine.json", `{"a":1}`)
	exact := write("exact.json", "12345678")
	big := write("big.json", strings.Repeat("x", 4097))
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.json")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub.json")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		path    string
		limit   int64
		want    string
		wantErr string // with DIR for the temporary directory
		is      error
	}{
		{name: "fine", path: fine, limit: 1 << 20, want: `{"a":1}`},
		{name: "exactly the limit", path: exact, limit: 8, want: "12345678"},
		{name: "one byte over", path: exact, limit: 7, wantErr: "DIR/exact.json is 8 bytes, over the limit of 7 bytes", is: ErrTooLarge},
		{name: "too big", path: big, limit: 4 << 10, wantErr: "DIR/big.json is 4097 bytes, over the limit of 4 KiB", is: ErrTooLarge},
		{name: "named pipe without a writer", path: fifo, limit: 1 << 20, wantErr: "DIR/fifo.json is a named pipe, not a regular file", is: ErrNotRegular},
		{name: "symbolic link to /dev/zero", path: zero, limit: 1 << 20, wantErr: "DIR/zero.json is a character device, not a regular file", is: ErrNotRegular},
		{name: "directory", path: sub, limit: 1 << 20, wantErr: "DIR/sub.json is a directory, not a regular file", is: ErrNotRegular},
		{name: "missing", path: filepath.Join(dir, "none.json"), limit: 1, wantErr: "open DIR/none.json: no such file or directory", is: fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadFile(tc.path, tc.limit)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, string(got)); diff != "" {
					t.Errorf("content (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatalf("read %d bytes, want error %q", len(got), tc.wantErr)
			}
			if diff := cmp.Diff(tc.wantErr, strings.ReplaceAll(err.Error(), dir, "DIR")); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.is)
			}
		})
	}
}
