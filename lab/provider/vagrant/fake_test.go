package vagrant

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/lab"
)

// reply is what the fake vagrant prints for one command line.
type reply struct {
	out  string // standard output
	fail bool   // exit non-zero, as an *execx.Error holding out
}

// recorder is a Runner that records every command and answers from
// replies, keyed by the command line, without the binary when it is
// vagrant ("up --provider=virtualbox --machine-readable web_1", but
// "VBoxManage --version"). Unknown commands succeed silently.
type recorder struct {
	mu      sync.Mutex
	cmds    []execx.Cmd
	replies map[string]reply
}

var _ execx.Runner = (*recorder)(nil)

func (r *recorder) Run(ctx context.Context, c execx.Cmd) ([]byte, error) {
	r.mu.Lock()
	r.cmds = append(r.cmds, c)
	key := strings.Join(c.Args, " ")
	if c.Args[0] == "vagrant" {
		key = strings.Join(c.Args[1:], " ")
	}
	rep := r.replies[key]
	r.mu.Unlock()
	if c.Stream != nil && rep.out != "" {
		c.Stream.Write([]byte(rep.out))
	}
	if rep.fail {
		return []byte(rep.out), &execx.Error{Args: c.Args, Output: strings.TrimSpace(rep.out), Err: errors.New("exit status 1")}
	}
	return []byte(rep.out), ctx.Err()
}

// lines returns the command lines run, sorted when concurrent order does
// not matter.
func (r *recorder) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.cmds {
		out = append(out, strings.Join(c.Args, " "))
	}
	return out
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testLab is a lab of n nodes in a temp dir holding its generated
// Vagrantfile.
func testLab(t *testing.T, provider string, n int) *lab.Lab {
	t.Helper()
	spec := lab.DefaultSpec()
	spec.Provider = provider
	spec.Nodes = n
	spec.Subnet = netip.MustParsePrefix("192.168.56.0/21")
	l := lab.New(t.TempDir(), spec)
	vf, err := Vagrantfile(l)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.Paths.Vagrantfile(), vf, 0o644); err != nil {
		t.Fatal(err)
	}
	return l
}

func newTestProvider(t *testing.T, name string, r *recorder) *Provider {
	t.Helper()
	p, err := New(Options{Provider: name, Runner: r, Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	p.lookPath = func(s string) (string, error) { return "/usr/bin/" + s, nil }
	p.fileExists = func(string) bool { return true }
	return p
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
