package readmetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// repoRoot is the repository's root, from this package's directory.
const repoRoot = "../.."

var (
	binDir     string // the binaries built from this tree, made once
	binOnce    sync.Once
	binErr     error
	binsToMake = []string{"lab", "bench", "labagent"}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// checker builds lab, bench and labagent from this tree (once per test
// binary) and returns a Checker on them.
func checker(t *testing.T) *Checker {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "readmetest-bin-")
		for _, name := range binsToMake {
			if binErr != nil {
				return
			}
			cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, name), "./cmd/"+name)
			cmd.Dir = repoRoot
			if out, err := cmd.CombinedOutput(); err != nil {
				binErr = fmt.Errorf("go build ./cmd/%s: %v\n%s", name, err, out)
			}
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	bins := map[string]string{}
	for _, name := range binsToMake {
		bins[name] = filepath.Join(binDir, name)
	}
	return &Checker{Root: repoRoot, Bins: bins, Stdlib: map[string]bool{"labagent": true}}
}
