package boundedfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadGrowing: a file that grows past the limit after the size check
// is refused by the reads, not read to its end.
func TestReadGrowing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(p, []byte("1234"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.WriteFile(p, []byte("123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	total := 0
	for {
		n, err := f.Read(buf)
		total += n
		if err != nil {
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "grew over the limit of 8 bytes") {
				t.Fatalf("error %v, want one matching ErrTooLarge", err)
			}
			break
		}
		if total > 8 {
			t.Fatalf("read %d bytes past the limit without an error", total)
		}
	}
}

func TestFormatSize(t *testing.T) {
	got := []string{FormatSize(0), FormatSize(1000), FormatSize(4096), FormatSize(1 << 20), FormatSize(3<<20 + 1)}
	want := []string{"0 bytes", "1000 bytes", "4 KiB", "1 MiB", "3145729 bytes"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
