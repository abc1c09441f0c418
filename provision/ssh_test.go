package provision

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/gossiplab/gossiplab/internal/hint"
)

func quickDial() DialOptions {
	return DialOptions{Timeout: 5 * time.Second, Backoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, KeepaliveInterval: -1}
}

func TestDialRootSSHDPinsHostKeyAndRuns(t *testing.T) {
	s := startSSHD(t, sshdOptions{})
	kh := NewKnownHosts(filepath.Join(t.TempDir(), "known_hosts"))
	ctx := context.Background()
	c, err := Dial(ctx, s.endpoint("web_1"), kh, quickDial())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Overhead <= 0 || c.Attempts != 1 {
		t.Errorf("overhead %v, attempts %d", c.Overhead, c.Attempts)
	}
	out, err := c.Run(ctx, "echo out; echo err >&2; exit 3", nil)
	var re *RunError
	if !errors.As(err, &re) || out.Exit != 3 || string(out.Stdout) != "out\n" || string(out.Stderr) != "err\n" {
		t.Fatalf("Run = %+v, %v", out, err)
	}
	if !strings.Contains(err.Error(), `node "web_1"`) || !strings.Contains(err.Error(), "exit status 3: err") {
		t.Errorf("error %q should name the node, the status and stderr", err)
	}
	out, err = c.Run(ctx, "cat", strings.NewReader("stdin"))
	if err != nil || string(out.Stdout) != "stdin" {
		t.Fatalf("Run with stdin = %q, %v", out.Stdout, err)
	}
	data, err := os.ReadFile(kh.Path())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "web_1 ssh-ed25519 ") || strings.Count(string(data), "\n") != 1 {
		t.Errorf("known_hosts = %q, want one line for web_1", data)
	}
	// The second contact verifies against the pin and adds nothing.
	c2, err := Dial(ctx, s.endpoint("web_1"), kh, quickDial())
	if err != nil {
		t.Fatal(err)
	}
	c2.Close()
	again, _ := os.ReadFile(kh.Path())
	if string(again) != string(data) {
		t.Errorf("known_hosts changed on the second contact:\n%s", again)
	}
}

func TestDialRootSSHDChangedHostKeyRefused(t *testing.T) {
	first := startSSHD(t, sshdOptions{})
	kh := NewKnownHosts(filepath.Join(t.TempDir(), "known_hosts"))
	ctx := context.Background()
	c, err := Dial(ctx, first.endpoint("web_1"), kh, quickDial())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	// Another machine (another host key) answers as web_1.
	second := startSSHD(t, sshdOptions{userKey: first.UserKey})
	start := time.Now()
	_, err = Dial(ctx, second.endpoint("web_1"), kh, quickDial())
	var hk *HostKeyChangedError
	if !errors.As(err, &hk) {
		t.Fatalf("err = %v, want a HostKeyChangedError", err)
	}
	// The CLI adds its own way to forget the key (lab provision
	// --forget-host-key); provisioning says what to do in its own terms.
	for _, want := range []string{`host key of node "web_1" changed`, "refusing", "hint:", "forget its old key", kh.Path()} {
		if !strings.Contains(hint.Text(err), want) {
			t.Errorf("error should contain %q:\n%v", want, err)
		}
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("a changed host key was retried (%v)", time.Since(start))
	}
	// Other nodes' pins survive Forget.
	other := startSSHD(t, sshdOptions{userKey: first.UserKey})
	if c, err = Dial(ctx, other.endpoint("web_2"), kh, quickDial()); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := kh.Forget("web_1"); err != nil {
		t.Fatal(err)
	}
	if c, err = Dial(ctx, second.endpoint("web_1"), kh, quickDial()); err != nil {
		t.Fatalf("after Forget: %v", err)
	}
	c.Close()
	if c, err = Dial(ctx, other.endpoint("web_2"), kh, quickDial()); err != nil {
		t.Fatalf("web_2 after forgetting web_1: %v", err)
	}
	c.Close()
}

func TestDialRootSSHDWrongUserKey(t *testing.T) {
	s := startSSHD(t, sshdOptions{})
	ep := s.endpoint("web_1")
	ep.IdentityFile, _ = writeKey(t, t.TempDir(), "other")
	start := time.Now()
	_, err := Dial(context.Background(), ep, NewKnownHosts(filepath.Join(t.TempDir(), "kh")), quickDial())
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") || !strings.Contains(err.Error(), `node "web_1"`) {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("a refused key was retried (%v)", time.Since(start))
	}
}

func TestDialUnreachableRetriesThenTimesOut(t *testing.T) {
	key, _ := writeKey(t, t.TempDir(), "id")
	ep := Endpoint{Node: "web_9", Host: "127.0.0.1", Port: freePort(t), User: "root", IdentityFile: key}
	o := quickDial()
	o.Timeout = 600 * time.Millisecond
	_, err := Dial(context.Background(), ep, NewKnownHosts(filepath.Join(t.TempDir(), "kh")), o)
	if err == nil {
		t.Fatal("dial to a closed port succeeded")
	}
	var gu *GaveUpError
	if !errors.As(err, &gu) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a *GaveUpError that is a deadline", err)
	}
	for _, want := range []string{`node "web_9"`, "gave up after", "context deadline exceeded", "connection refused", "hint:"} {
		if !strings.Contains(hint.Text(err), want) {
			t.Errorf("error should contain %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "gave up after 1 attempts") {
		t.Errorf("no retry: %v", err)
	}
}

// Ctrl-C while dialling says so, without the socket error the
// cancellation itself caused ("use of closed network connection") or
// advice about slow boots.
func TestDialInterrupted(t *testing.T) {
	key, _ := writeKey(t, t.TempDir(), "id")
	ep := Endpoint{Node: "web_9", Host: "127.0.0.1", Port: freePort(t), User: "root", IdentityFile: key}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("interrupt signal received"))
	_, err := Dial(ctx, ep, NewKnownHosts(filepath.Join(t.TempDir(), "kh")), quickDial())
	want := `ssh to node "web_9" (root@` + ep.Addr() + `): interrupt signal received`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestDialBadIdentityFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "id")
	if err := os.WriteFile(bad, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, file, want string }{
		{"none", "", "no identity file"},
		{"missing", filepath.Join(t.TempDir(), "nope"), "read identity file"},
		{"garbage", bad, "parse identity file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := Endpoint{Node: "web_1", Host: "127.0.0.1", Port: 1, User: "root", IdentityFile: tt.file}
			_, err := Dial(context.Background(), ep, NewKnownHosts("kh"), quickDial())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// freezeProxy forwards TCP to target until frozen; then it keeps the
// connections open but passes nothing, like a node that lost power.
type freezeProxy struct {
	ln     net.Listener
	frozen atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

func newFreezeProxy(t *testing.T, target string) *freezeProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezeProxy{ln: ln}
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go p.pipe(in, out)
			go p.pipe(out, in)
		}
	}()
	return p
}

func (p *freezeProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if p.frozen.Load() {
			continue // swallow
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				return
			}
			return
		}
	}
}

func TestKeepaliveRootSSHDDetectsDeadConnection(t *testing.T) {
	s := startSSHD(t, sshdOptions{})
	proxy := newFreezeProxy(t, s.endpoint("").Addr())
	ep := s.endpoint("web_1")
	ep.Port = proxy.ln.Addr().(*net.TCPAddr).Port
	o := quickDial()
	o.KeepaliveInterval, o.KeepaliveMax = 100*time.Millisecond, 2
	c, err := Dial(context.Background(), ep, NewKnownHosts(filepath.Join(t.TempDir(), "kh")), o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(300 * time.Millisecond) // keepalives answered meanwhile
	if err := c.Err(); err != nil {
		t.Fatalf("live connection declared dead: %v", err)
	}
	proxy.frozen.Store(true)
	deadline := time.Now().Add(5 * time.Second)
	for c.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := c.Err(); err == nil || !strings.Contains(err.Error(), `connection to node "web_1" is dead`) {
		t.Fatalf("dead connection not detected: %v", err)
	}
	if _, err := c.Run(context.Background(), "true", nil); err == nil || !strings.Contains(err.Error(), "dead") {
		t.Errorf("Run on a dead connection: %v", err)
	}
}

func TestRunRootSSHDCancelled(t *testing.T) {
	s := startSSHD(t, sshdOptions{})
	c, err := Dial(context.Background(), s.endpoint("web_1"), NewKnownHosts(filepath.Join(t.TempDir(), "kh")), quickDial())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Run(ctx, "sleep 30", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("cancel took %v", time.Since(start))
	}
}

// A node with several host keys: lab pins ed25519 (as OpenSSH would), and
// a node pinned by OpenSSH with another type is verified against that one,
// not refused as changed.
func TestDialRootSSHDSeveralHostKeys(t *testing.T) {
	s := startSSHD(t, sshdOptions{ecdsa: true})
	kh := NewKnownHosts(filepath.Join(t.TempDir(), "known_hosts"))
	c, err := Dial(context.Background(), s.endpoint("web_1"), kh, quickDial())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	data, _ := os.ReadFile(kh.Path())
	if !strings.HasPrefix(string(data), "web_1 ssh-ed25519 ") {
		t.Errorf("first contact pinned %q, want the ed25519 key", data)
	}
	line := knownhosts.Line([]string{"web_2"}, s.ECDSA) + "\n"
	if err := os.WriteFile(kh.Path(), append(data, line...), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err = Dial(context.Background(), s.endpoint("web_2"), kh, quickDial()); err != nil {
		t.Fatalf("node pinned with its ECDSA key: %v", err)
	}
	c.Close()
}

func TestKnownHostsAlgorithms(t *testing.T) {
	kh := NewKnownHosts(filepath.Join(t.TempDir(), "known_hosts"))
	if got := kh.Algorithms("web_1"); got[0] != "ssh-ed25519" {
		t.Errorf("no file: %v, want ed25519 first", got)
	}
	lines := "web_1 ssh-rsa AAAAB3NzaC1yc2E\nweb_1 ecdsa-sha2-nistp256 AAAAE2\nweb_2,web_3 ssh-ed25519 AAAAC3\n"
	if err := os.WriteFile(kh.Path(), []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		node string
		want []string
	}{
		{"web_1", []string{"rsa-sha2-512", "rsa-sha2-256", "ecdsa-sha2-nistp256"}},
		{"web_3", []string{"ssh-ed25519"}},
		{"web_4", preferredAlgorithms},
	}
	for _, tt := range tests {
		t.Run(tt.node, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, kh.Algorithms(tt.node)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if err := kh.Forget("web_1", "web_9"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(kh.Path()); string(data) != "web_2,web_3 ssh-ed25519 AAAAC3\n" {
		t.Errorf("after Forget: %q", data)
	}
	if err := NewKnownHosts(filepath.Join(t.TempDir(), "none")).Forget("web_1"); err != nil {
		t.Errorf("Forget without a file: %v", err)
	}
}
