// Package labtest runs the lab command against a real netns lab in root
// tests (cmd/lab's and cmd/bench's): a lab directory with a unique lab
// name and free SSH ports, destroyed when the test ends even when it
// fails, and the agent binary that lab provision installs.
package labtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// Lab is a lab directory driven by a lab binary.
type Lab struct {
	T   *testing.T
	Dir string
	// Bin is the lab command; Env is added to its environment.
	Bin string
	Env []string
}

// New makes a lab directory whose lab gets a unique name and free SSH
// ports at or above portsFrom, and destroys the lab when the test ends.
// It returns the flags of `lab up` that set them. It skips the test
// unless it runs as root with ip, sshd and ssh.
func New(t *testing.T, bin string, env []string, portsFrom int) (*Lab, []string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for the netns provider")
	}
	for _, tool := range []string{"ip", "/usr/sbin/sshd", "ssh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	r := &Lab{T: t, Dir: t.TempDir(), Bin: bin, Env: env}
	t.Cleanup(func() {
		if out, code := r.Run("destroy", "--force"); code != 0 {
			t.Errorf("cleanup: lab destroy: %s", out)
		}
	})
	return r, []string{"--provider", "netns", "--name", "c" + hex.EncodeToString(b[:]), "--ssh-port-base", strconv.Itoa(FreePorts(t, portsFrom, 20))}
}

// FreePorts returns the first of n consecutive free TCP ports on
// loopback, searched from a random start at or above from (spread over
// 4,096 ports, so that concurrent tests rarely meet).
func FreePorts(t *testing.T, from, n int) int {
	t.Helper()
	var b [2]byte
	_, _ = rand.Read(b[:])
	for base := from + int(b[0])<<4 + int(b[1])%16; base+n < 65536; base += n + 3 {
		free := true
		for p := base; p < base+n && free; p++ {
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				free = false
				continue
			}
			ln.Close()
		}
		if free {
			return base
		}
	}
	t.Fatal("no free ports")
	return 0
}

// Cmd is the lab command with args, on the lab's directory.
func (r *Lab) Cmd(args ...string) *exec.Cmd {
	c := exec.Command(r.Bin, append([]string{"--dir", r.Dir}, args...)...)
	c.Env = append(os.Environ(), r.Env...)
	return c
}

// Run runs lab and returns its combined output and exit status.
func (r *Lab) Run(args ...string) (string, int) {
	out, err := r.Cmd(args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	r.T.Fatalf("lab %v: %v", args, err)
	return "", -1
}

// Must runs lab and fails the test unless it succeeds.
func (r *Lab) Must(args ...string) string {
	r.T.Helper()
	out, code := r.Run(args...)
	if code != 0 {
		r.T.Fatalf("lab %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// BuildAgent builds the agent (the package at dir, a relative path to
// cmd/labagent such as ../labagent) for this
// host's architecture, as the README says, into a temporary directory;
// $LAB_TEST_AGENT names a prebuilt one instead.
func BuildAgent(t *testing.T, dir string) string {
	t.Helper()
	if bin := os.Getenv("LAB_TEST_AGENT"); bin != "" {
		return bin
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("needs %s (the agent) in this tree", dir)
	}
	bin := filepath.Join(t.TempDir(), "labagent-linux-"+runtime.GOARCH)
	cmd := exec.Command("go", "build", "-o", bin, dir)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build labagent: %v\n%s", err, out)
	}
	return bin
}

// SerfModuleVersion is the HashiCorp Serf the tests build from the Go
// module proxy, to provision a real Serf cluster.
const SerfModuleVersion = "v0.10.2"

// BuildSerf builds HashiCorp Serf's agent at SerfModuleVersion for linux
// on this architecture with `go install` ($LAB_TEST_SERF names a prebuilt
// one instead). It needs the Go module proxy, as CI has.
func BuildSerf(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("LAB_TEST_SERF"); bin != "" {
		return bin
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "install", "github.com/hashicorp/serf/cmd/serf@"+SerfModuleVersion)
	cmd.Dir = dir // outside this module: install pkg@version ignores go.mod
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH, "GOBIN="+dir, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install serf %s (needs the Go module proxy): %v\n%s", SerfModuleVersion, err, out)
	}
	return filepath.Join(dir, "serf")
}
