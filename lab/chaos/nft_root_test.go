package chaos

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/lab"
)

// nsLab is a lab of namespaces made by the test: one per node, each with
// a veth into a bridge in a namespace of its own, on the lab's subnet.
type nsLab struct {
	lab *lab.Lab
	ns  map[string]string // node -> namespace
}

// nsShell runs commands inside the test's namespaces, the way SSH runs
// them inside a node.
type nsShell struct{ ns map[string]string }

var _ Shell = nsShell{}

func (s nsShell) Run(ctx context.Context, node, cmd string, stdin []byte) ([]byte, error) {
	ns, ok := s.ns[node]
	if !ok {
		return nil, fmt.Errorf("no namespace for node %s", node)
	}
	c := execx.Cmd{Args: []string{"ip", "netns", "exec", ns, "sh", "-c", cmd}}
	if stdin != nil {
		c.Stdin = bytes.NewReader(stdin)
	}
	return execx.Exec{}.Run(ctx, c)
}

func requireRootNet(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces (CI runs this as root)")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (iproute2, nftables): %v", tool, err)
		}
	}
}

// newNSLab makes n namespaces glchaos-<rand>-<i> joined by a bridge in
// glchaos-<rand>-br, on 10.213.77.0/24, and removes them all in Cleanup.
func newNSLab(t *testing.T, n int) *nsLab {
	t.Helper()
	l := testLab(t, n)
	var rb [3]byte
	_, _ = rand.Read(rb[:])
	id := "glchaos-" + hex.EncodeToString(rb[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run := func(args ...string) {
		t.Helper()
		if _, err := execx.Run(ctx, args...); err != nil {
			t.Fatal(err)
		}
	}
	br := id + "-br"
	var made []string
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer ccancel()
		for _, ns := range made {
			if _, err := execx.Run(cctx, "ip", "netns", "del", ns); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	addNS := func(ns string) {
		run("ip", "netns", "add", ns)
		made = append(made, ns)
		run("ip", "-n", ns, "link", "set", "lo", "up")
	}
	addNS(br)
	run("ip", "-n", br, "link", "add", "br0", "type", "bridge")
	run("ip", "-n", br, "link", "set", "br0", "up")
	nl := &nsLab{lab: l, ns: map[string]string{}}
	prefix := l.Spec.Subnet.Bits()
	for i, node := range l.Nodes {
		ns := fmt.Sprintf("%s-%d", id, i+1)
		addNS(ns)
		nl.ns[node.Name] = ns
		// Both ends are created inside the node's namespace, then one is
		// moved to the bridge's: nothing is ever made in the root namespace.
		port := "p" + strconv.Itoa(i+1)
		run("ip", "-n", ns, "link", "add", "eth1", "type", "veth", "peer", "name", port)
		run("ip", "-n", ns, "link", "set", port, "netns", br)
		run("ip", "-n", br, "link", "set", port, "master", "br0", "up")
		run("ip", "-n", ns, "addr", "add", fmt.Sprintf("%s/%d", node.IP, prefix), "dev", "eth1")
		run("ip", "-n", ns, "link", "set", "eth1", "up")
	}
	return nl
}

// udp sends count datagrams from node `from` to node `to` and returns how
// many arrived.
func (nl *nsLab) udp(t *testing.T, from, to string, count int) int {
	t.Helper()
	return nl.send(t, "", from, to, count)
}

// tcp makes count connections from node `from` to node `to` and returns
// how many were accepted.
func (nl *nsLab) tcp(t *testing.T, from, to string, count int) int {
	t.Helper()
	return nl.send(t, "tcp", from, to, count)
}

// send runs the helper's proto+"recv" in `to` and proto+"send" in `from`,
// on port 7946, and returns the count received.
func (nl *nsLab) send(t *testing.T, proto, from, to string, count int) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dst, _ := nl.lab.Node(to)
	addr := netip.AddrPortFrom(dst.IP, 7946).String()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	recv := exec.CommandContext(ctx, "ip", "netns", "exec", nl.ns[to], self, "recv", addr, strconv.Itoa(count))
	recv.Env = append(os.Environ(), helperEnv+"="+proto+"recv")
	out, err := recv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	recv.Stderr = os.Stderr
	senderDone, err := recv.StdinPipe() // closed: the receiver counts what is left and ends
	if err != nil {
		t.Fatal(err)
	}
	if err := recv.Start(); err != nil {
		t.Fatal(err)
	}
	defer recv.Wait() //nolint:errcheck // waited below too; this one reaps on early failure
	defer senderDone.Close()
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "ready" {
		t.Fatalf("receiver in %s did not start: %v", to, sc.Err())
	}
	send := exec.CommandContext(ctx, "ip", "netns", "exec", nl.ns[from], self, "send", addr, strconv.Itoa(count))
	send.Env = append(os.Environ(), helperEnv+"="+proto+"send")
	if b, err := send.CombinedOutput(); err != nil {
		t.Fatalf("sender in %s: %v\n%s", from, err, b)
	}
	senderDone.Close()
	if !sc.Scan() {
		t.Fatalf("receiver in %s printed no count: %v", to, sc.Err())
	}
	got, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestNFTPartitionHealRoot(t *testing.T) {
	requireRootNet(t)
	nl := newNSLab(t, 3)
	ctx := context.Background()
	f := &Faulter{Shell: nsShell{nl.ns}, Agent: AgentCLI{Bin: "/nonexistent/labagent"}}

	if got := nl.udp(t, "web_1", "web_3", 20); got < 18 {
		t.Fatalf("before the partition web_1 -> web_3 delivered %d of 20", got)
	}
	for _, scope := range []Scope{ScopeAll, ScopeGossip, ScopeUDP} {
		t.Run(string(scope), func(t *testing.T) {
			faults, err := PlanPartition(nl.lab, []string{"web_1"}, []string{"web_2", "web_3"}, scope, DefaultGossipPorts)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range f.Apply(ctx, faults, MechAuto) {
				if a.Err != nil || a.Mechanism != MechNFT {
					t.Fatalf("apply on %s: mechanism %q, %v", a.Node, a.Mechanism, a.Err)
				}
			}
			// Applying twice replaces, it does not stack.
			if err := AppliedErr(f.Apply(ctx, faults, MechNFT)); err != nil {
				t.Fatal(err)
			}
			out, err := nsShell{nl.ns}.Run(ctx, "web_1", "nft list table inet "+NFTTable, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := 2
			if scope != ScopeAll {
				want = 4
			}
			if got := strings.Count(string(out), "drop comment"); got != want {
				t.Errorf("web_1 has %d drop rules after applying twice, want %d:\n%s", got, want, out)
			}
			for _, dir := range [][2]string{{"web_1", "web_3"}, {"web_3", "web_1"}, {"web_2", "web_1"}} {
				if got := nl.udp(t, dir[0], dir[1], 20); got != 0 {
					t.Errorf("partitioned: %s -> %s delivered %d of 20, want 0", dir[0], dir[1], got)
				}
			}
			if got := nl.udp(t, "web_2", "web_3", 20); got < 18 {
				t.Errorf("same side: web_2 -> web_3 delivered %d of 20", got)
			}
			// TCP on the gossip port is cut by all and gossip, not by udp.
			wantTCP := 0
			if scope == ScopeUDP {
				wantTCP = 3
			}
			if got := nl.tcp(t, "web_1", "web_3", 3); got != wantTCP {
				t.Errorf("partitioned, scope %s: web_1 -> web_3 accepted %d of 3 TCP connections, want %d", scope, got, wantTCP)
			}
			heal(t, f, nl)
			if got := nl.udp(t, "web_3", "web_1", 20); got < 18 {
				t.Errorf("healed: web_3 -> web_1 delivered %d of 20", got)
			}
		})
	}
}

func TestNFTLossRoot(t *testing.T) {
	requireRootNet(t)
	nl := newNSLab(t, 2)
	ctx := context.Background()
	f := &Faulter{Shell: nsShell{nl.ns}, Agent: AgentCLI{Bin: "/nonexistent/labagent"}}
	faults, err := PlanLoss(nl.lab, []string{"web_1"}, 50, ScopeGossip, DefaultGossipPorts)
	if err != nil {
		t.Fatal(err)
	}
	if err := AppliedErr(f.Apply(ctx, faults, MechNFT)); err != nil {
		t.Fatal(err)
	}
	// 200 datagrams at 50%: the count is binomial (sd ~7); 60..140 is far
	// outside any plausible draw and still proves the rule works.
	got := nl.udp(t, "web_1", "web_2", 200)
	t.Logf("loss 50%%: %d of 200 delivered", got)
	if got < 60 || got > 140 {
		t.Errorf("loss 50%%: %d of 200 delivered, want about 100", got)
	}
	// Loss is on what web_1 sends: the other way is untouched.
	if back := nl.udp(t, "web_2", "web_1", 50); back < 45 {
		t.Errorf("web_2 -> web_1 delivered %d of 50; loss should only apply to what web_1 sends", back)
	}
	heal(t, f, nl)
	if got := nl.udp(t, "web_1", "web_2", 50); got < 45 {
		t.Errorf("healed: %d of 50 delivered", got)
	}
}

// heal heals every node and checks that no chaos table is left and that
// heal leaves the node's other tables alone.
func heal(t *testing.T, f *Faulter, nl *nsLab) {
	t.Helper()
	ctx := context.Background()
	sh := nsShell{nl.ns}
	if _, err := sh.Run(ctx, "web_1", "nft add table inet keepme", nil); err != nil {
		t.Fatal(err)
	}
	if err := AppliedErr(f.Heal(ctx, nl.lab.NodeNames())); err != nil {
		t.Fatal(err)
	}
	// Heal is idempotent.
	if err := AppliedErr(f.Heal(ctx, nl.lab.NodeNames())); err != nil {
		t.Fatalf("second heal: %v", err)
	}
	for _, n := range nl.lab.NodeNames() {
		left, err := f.Leftover(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if left {
			t.Errorf("%s still has the chaos table after heal", n)
		}
	}
	out, err := sh.Run(ctx, "web_1", "nft list tables", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "keepme") {
		t.Errorf("heal removed a table chaos did not add: %s", out)
	}
	if _, err := sh.Run(ctx, "web_1", "nft delete table inet keepme", nil); err != nil {
		t.Fatal(err)
	}
}
