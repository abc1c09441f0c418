//go:build unix

package agent

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFilesAreBounded: every file the agent reads (config files, a
// config directory's files, the keyring, the snapshot) is refused at
// once when it is a named pipe without a writer, a link to /dev/zero or
// over its size limit, with an error (or, for the snapshot, a warning)
// naming the file and what is wrong.
func TestFilesAreBounded(t *testing.T) {
	readers := []struct {
		name  string
		limit int64
		valid string                                 // smallest valid content
		read  func(t *testing.T, path string) string // the error or warning text
	}{
		{name: "config file", limit: MaxConfigFileSize, valid: "{}", read: func(t *testing.T, path string) string {
			_, err := LoadConfigFile(path)
			return errText(err)
		}},
		{name: "config dir", limit: MaxConfigFileSize, valid: "{}", read: func(t *testing.T, path string) string {
			_, err := LoadConfigDir(filepath.Dir(path))
			return errText(err)
		}},
		{name: "keyring file", limit: MaxKeyringFileSize, valid: "[]", read: func(t *testing.T, path string) string {
			cfg := DefaultConfig()
			cfg.KeyringFile = path
			_, err := loadKeyring(cfg, slog.New(slog.DiscardHandler))
			return errText(err)
		}},
		{name: "snapshot", limit: MaxSnapshotSize, valid: "{}", read: func(t *testing.T, path string) string {
			var log bytes.Buffer
			s := newSnapshotter(path, "n", slog.New(slog.NewTextHandler(&log, nil)))
			if s.prev != nil {
				return "snapshot loaded"
			}
			return log.String()
		}},
	}
	kinds := []struct {
		name string
		make func(t *testing.T, path string, limit int64, valid string)
		want string
	}{
		{name: "named pipe", make: func(t *testing.T, path string, _ int64, _ string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
		}, want: "is a named pipe, not a regular file"},
		{name: "link to /dev/zero", make: func(t *testing.T, path string, _ int64, _ string) {
			if err := os.Symlink("/dev/zero", path); err != nil {
				t.Fatal(err)
			}
		}, want: "is a character device, not a regular file"},
		{name: "too big", make: func(t *testing.T, path string, limit int64, valid string) {
			// valid JSON, so only the size can be refused
			if err := os.WriteFile(path, append(bytes.Repeat([]byte(" "), int(limit)), valid...), 0o600); err != nil {
				t.Fatal(err)
			}
		}, want: "bytes, over the limit of "},
	}
	for _, r := range readers {
		for _, k := range kinds {
			t.Run(r.name+"/"+k.name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "file.json")
				k.make(t, path, r.limit, r.valid)
				done := make(chan string, 1)
				go func() { done <- r.read(t, path) }()
				var got string
				select {
				case got = <-done:
				case <-time.After(10 * time.Second):
					t.Fatalf("reading %s did not return within 10s", path)
				}
				if !strings.Contains(got, path) || !strings.Contains(got, k.want) {
					t.Errorf("got %q, want it to name %s and say %q", got, path, k.want)
				}
			})
		}
	}
}

func errText(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}
