//go:build linux

package netns

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gossiplab/gossiplab/lab"
)

// Concurrent first placements share one copy: none fails to link it.
func TestSharedCopyConcurrent(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "bin")
	data := make([]byte, 8<<20)
	os.WriteFile(src, data, 0o755)
	s := sha256.Sum256(data)
	sum := hex.EncodeToString(s[:])
	spec := lab.DefaultSpec()
	spec.Provider = "netns"
	l := lab.New(filepath.Join(dir, "lab"), spec)
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name, err := sharedCopy(l, src, sum)
			if err != nil {
				t.Error(err)
				return
			}
			dst := filepath.Join(dir, fmt.Sprintf("dst%d", i))
			if err := os.Link(name, dst); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}
