//go:build linux

package netns

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gossiplab/gossiplab/lab"
)

func TestMain(m *testing.M) {
	if IsHelper(os.Args) {
		os.Exit(RunHelper(os.Args))
	}
	if dir := os.Getenv("NETNS_TEST_UP_DIR"); dir != "" {
		os.Exit(childUp(dir))
	}
	os.Exit(m.Run())
}

// needRoot skips a test that needs root, ip and sshd, saying which is missing.
func needRoot(t testing.TB) {
	t.Helper()
	if err := New(slog.New(slog.DiscardHandler), Options{}).Check(context.Background()); err != nil {
		t.Skipf("needs root, iproute2 and openssh-server: %v", err)
	}
}

// freePorts finds n consecutive free ports on 127.0.0.1 from a random
// start in 22000..26000: below Linux's ephemeral range (32768 up), where
// outgoing connections would take ports at random.
func freePorts(t testing.TB, n int) int {
	t.Helper()
	var b [2]byte
	_, _ = rand.Read(b[:])
	start := 22000 + int(b[0])<<4 + int(b[1])%16*2
	for base := start; base+n < 32768; base += n + 7 {
		ok := true
		for port := base; port < base+n && ok; port++ {
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
			if err != nil {
				ok = false
				break
			}
			ln.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

// testLab makes a lab of n nodes with a name unique to this run, and
// destroys it when the test ends.
func testLab(t testing.TB, n int) (*Provider, *lab.Lab) {
	t.Helper()
	needRoot(t)
	var b [3]byte
	_, _ = rand.Read(b[:])
	spec := lab.DefaultSpec()
	spec.Name = "t" + hex.EncodeToString(b[:])
	spec.Provider = lab.ProviderNetns
	spec.Nodes = n
	spec.SSHPortBase = freePorts(t, n)
	if errs := spec.Validate(); len(errs) > 0 {
		t.Fatal(errs[0])
	}
	l := lab.New(t.TempDir(), spec)
	p := New(slog.New(slog.NewTextHandler(testLogOutput(), &slog.HandlerOptions{Level: slog.LevelDebug})), Options{Grace: 2 * time.Second})
	t.Cleanup(func() {
		if err := p.Destroy(context.Background(), l); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return p, l
}

func states(t testing.TB, p *Provider, l *lab.Lab) map[string]lab.NodeState {
	t.Helper()
	st, err := p.Status(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]lab.NodeState{}
	for _, s := range st {
		out[s.Node] = s.State
	}
	return out
}

func wantStates(t testing.TB, p *Provider, l *lab.Lab, except map[string]lab.NodeState, def lab.NodeState) {
	t.Helper()
	got := states(t, p, l)
	for _, n := range l.NodeNames() {
		want := def
		if s, ok := except[n]; ok {
			want = s
		}
		if got[n] != want {
			t.Errorf("node %s is %q, want %q", n, got[n], want)
		}
	}
}

// sshRun runs cmd on a node with x/crypto/ssh through its forwarded port.
func sshRun(t testing.TB, l *lab.Lab, node, cmd string) (string, error) {
	t.Helper()
	key, err := os.ReadFile(l.Paths.SSHKey())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := l.Node(node)
	c, err := ssh.Dial("tcp", "127.0.0.1:"+strconv.Itoa(n.SSHPort), &ssh.ClientConfig{
		User: "root", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second,
	})
	if err != nil {
		return "", fmt.Errorf("ssh %s: %w", node, err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		return "", err
	}
	defer s.Close()
	out, err := s.CombinedOutput(cmd)
	return string(out), err
}

func TestRootLifecycle(t *testing.T) {
	p, l := testLab(t, 10)
	ctx := context.Background()
	var mu sync.Mutex
	phases := map[lab.Phase]int{}
	err := p.Up(ctx, l, l.NodeNames(), lab.UpOptions{Parallel: 4, Progress: func(node string, ph lab.Phase) {
		mu.Lock()
		phases[ph]++
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if phases[lab.PhaseBooted] != 10 || phases[lab.PhaseSSHReachable] != 10 {
		t.Errorf("progress: %v, want 10 of each phase", phases)
	}
	wantStates(t, p, l, nil, lab.StateRunning)

	for _, n := range l.Nodes {
		out, err := sshRun(t, l, n.Name, "hostname; ip -4 addr show eth1; ip -4 addr show eth0; echo routes: $(ip route show default); ps -e -o comm=")
		if err != nil {
			t.Fatalf("%s: %v\n%s", n.Name, err, out)
		}
		lines := strings.Split(out, "\n")
		if lines[0] != n.Hostname {
			t.Errorf("%s: hostname %q, want %q", n.Name, lines[0], n.Hostname)
		}
		for _, want := range []string{"inet " + n.IP.String() + "/21", "inet 10.0.2.15/24", "sshd"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q:\n%s", n.Name, want, out)
			}
		}
		if !strings.Contains(out, "routes:\n") {
			t.Errorf("%s: a lab node has a default route:\n%s", n.Name, out)
		}
		if strings.Count(out, "\n") > 20 {
			t.Errorf("%s: ps inside the node shows more than the node's processes:\n%s", n.Name, out)
		}
	}
	if out, err := sshRun(t, l, "web_1", "echo hi > /usr/local/bin/only-here && cat /usr/local/bin/only-here"); err != nil || out != "hi\n" {
		t.Fatalf("write on web_1: %v %q", err, out)
	}
	if out, err := sshRun(t, l, "web_2", "ls /usr/local/bin/only-here"); err == nil {
		t.Errorf("file written on web_1 is visible on web_2: %q", out)
	}
	if _, err := os.Stat("/usr/local/bin/only-here"); err == nil {
		t.Errorf("file written on web_1 is visible on the host")
	}
	hostRoutes, _ := exec.Command("ip", "-4", "route").Output()
	if strings.Contains(string(hostRoutes), "192.168.56.") {
		t.Errorf("the host has a route to the lab subnet:\n%s", hostRoutes)
	}

	// A boot-time service, enabled the way provisioning does on nodes
	// without systemd: it runs at the next boot, and halt stops it.
	rcLocal := "printf '#!/bin/sh\\necho ran >> /var/log/rc-ran\\nsleep 1000 &\\n' > /etc/rc.local && chmod +x /etc/rc.local"
	if out, err := sshRun(t, l, "web_3", rcLocal); err != nil {
		t.Fatalf("write rc.local: %v %s", err, out)
	}
	// Firewall rules (lab chaos's) do not survive a reboot, as on a VM.
	addTable := "nft add table inet survives_boot && nft list tables"
	for _, node := range []string{"web_3", "web_5"} {
		if out, err := sshRun(t, l, node, addTable); err != nil || !strings.Contains(out, "survives_boot") {
			t.Fatalf("add a table on %s: %v %q", node, err, out)
		}
	}
	if err := p.Halt(ctx, l, []string{"web_3"}, false); err != nil {
		t.Fatal(err)
	}
	wantStates(t, p, l, map[string]lab.NodeState{"web_3": lab.StateHalted}, lab.StateRunning)
	if _, err := sshRun(t, l, "web_3", "true"); err == nil {
		t.Error("ssh to halted web_3 works")
	}
	if err := p.Halt(ctx, l, []string{"web_4"}, true); err != nil {
		t.Fatal(err)
	}
	if err := p.Reload(ctx, l, []string{"web_3", "web_4"}); err != nil {
		t.Fatal(err)
	}
	wantStates(t, p, l, nil, lab.StateRunning)
	if out, err := sshRun(t, l, "web_3", "hostname; cat /var/log/rc-ran; ps -e -o comm= | grep -c sleep"); err != nil || out != "web-3\nran\n1\n" {
		t.Errorf("web_3 after reload: %v %q, want its hostname, rc.local run once and its sleep running", err, out)
	}
	if out, err := sshRun(t, l, "web_4", "cat /var/log/rc-ran"); err == nil {
		t.Errorf("rc.local of web_3 ran on web_4: %q", out)
	}
	for node, want := range map[string]bool{"web_3": false, "web_5": true} {
		out, err := sshRun(t, l, node, "nft list tables")
		if err != nil || strings.Contains(out, "survives_boot") != want {
			t.Errorf("%s: nft list tables: %v %q; want the table kept: %v (only a boot clears it)", node, err, out, want)
		}
	}

	v, err := p.labProcs(l)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Destroy(ctx, l); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, l, v)
	if err := p.Destroy(ctx, l); err != nil {
		t.Errorf("second destroy: %v", err)
	}
}

// assertNothingLeft checks that no namespace, link, mount or process of
// the lab remains; before is what existed while it ran.
func assertNothingLeft(t testing.TB, l *lab.Lab, before *labView) {
	t.Helper()
	if ns, _ := listNamespaces(labPrefix(l.Spec.Name)); len(ns) > 0 {
		t.Errorf("namespaces left: %v", ns)
	}
	links, _ := exec.Command("ip", "-o", "link").Output()
	for _, ns := range []string{"gl-" + l.Spec.Name, "veth"} {
		if bytes.Contains(links, []byte(ns)) {
			t.Errorf("host links mention %s:\n%s", ns, links)
		}
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	if bytes.Contains(mounts, []byte(l.Paths.Dir)) || bytes.Contains(mounts, []byte(labPrefix(l.Spec.Name))) {
		t.Errorf("mounts left:\n%s", mounts)
	}
	inodes := map[uint64]bool{}
	for _, ino := range before.ns {
		inodes[ino] = true
	}
	procs, _ := scanProcs(inodes)
	for _, pr := range procs {
		if pr.cmd == "" || strings.Contains(pr.cmd, "-lab "+l.Spec.Name+" ") {
			t.Errorf("process left: %+v", pr)
		}
	}
	if _, err := os.Stat(l.Paths.NodesDir()); err == nil {
		t.Errorf("node directories left in %s", l.Paths.NodesDir())
	}
}

// testLogOutput is where the provider logs in tests: stderr with
// NETNS_TEST_LOG=1, else nowhere.
func testLogOutput() io.Writer {
	if os.Getenv("NETNS_TEST_LOG") == "1" {
		return os.Stderr
	}
	return io.Discard
}
