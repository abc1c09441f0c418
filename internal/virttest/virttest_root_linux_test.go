package virttest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testNetwork = `<network>
  <name>vt-net</name>
  <bridge name='vtbr0'/>
  <forward mode='nat'/>
  <ip address='10.213.7.1' netmask='255.255.255.0'>
    <dhcp><range start='10.213.7.10' end='10.213.7.20'/></dhcp>
  </ip>
</network>`

// testDomain boots nothing (no disk): qemu sits in the firmware, which is
// enough to own a tap on the network and a process in the namespace.
const testDomain = `<domain type='qemu'>
  <name>vt-dom</name>
  <memory unit='MiB'>32</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <features><tcg><tb-cache unit='MiB'>16</tb-cache></tcg></features>
  <devices>
    <interface type='network'><source network='vt-net'/><model type='virtio'/></interface>
  </devices>
</domain>`

// TestEnvRoot starts libvirt in a namespace, gives it a network, a pool
// with a volume and a running domain, and checks that Cleanup leaves
// nothing: no libvirt object, no process, no namespace, no directory, and
// that nothing appeared in the root namespace meanwhile.
func TestEnvRoot(t *testing.T) {
	rootLinks := links(t)
	env := New(t, Options{Prefix: "box"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	define := func(kind, xml string) {
		t.Helper()
		f := filepath.Join(t.TempDir(), kind+".xml")
		if err := os.WriteFile(f, []byte(xml), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Virsh(ctx, kind+"-define", f); err != nil {
			t.Fatal(err)
		}
	}
	define("net", testNetwork)
	mustVirsh(t, env, "net-start", "vt-net")
	mustVirsh(t, env, "pool-define-as", "vt-pool", "dir", "--target", "/var/lib/libvirt/images")
	mustVirsh(t, env, "pool-start", "vt-pool")
	mustVirsh(t, env, "vol-create-as", "vt-pool", "vt-vol.qcow2", "16M", "--format", "qcow2")
	f := filepath.Join(t.TempDir(), "dom.xml")
	if err := os.WriteFile(f, []byte(testDomain), 0o644); err != nil {
		t.Fatal(err)
	}
	mustVirsh(t, env, "define", f)
	mustVirsh(t, env, "start", "vt-dom")

	left, err := env.Leftovers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"domain vt-dom", "pool vt-pool", "volume vt-pool/vt-vol.qcow2", "network vt-net"}
	if diff := cmp.Diff(want, left); diff != "" {
		t.Errorf("libvirt objects (-want +got):\n%s", diff)
	}
	// The bridge is the namespace's, and libvirt's files are in Dir.
	if out, err := env.Run(ctx, "", "ip", "-o", "link", "show", "vtbr0"); err != nil || !strings.Contains(string(out), "vtbr0") {
		t.Errorf("no vtbr0 in the namespace: %s %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(env.Dir, "lib", "images", "vt-vol.qcow2")); err != nil {
		t.Errorf("the volume is not in the private directory: %v", err)
	}
	if _, err := os.Stat("/var/lib/libvirt/images/vt-vol.qcow2"); err == nil {
		t.Error("the volume is visible in the host's /var/lib/libvirt")
	}
	pids := env.Pids()
	if len(pids) < 4 { // holder, virtlogd, libvirtd, dnsmasq, qemu
		t.Errorf("processes in the namespace: %v, want the holder, the daemons, dnsmasq and qemu", pids)
	}
	if got := links(t); !slices.Equal(got, rootLinks) && slices.Contains(got, "vtbr0") {
		t.Errorf("the root namespace has vtbr0: %v", got)
	}

	if err := env.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("/run/netns", env.Name)); err == nil {
		t.Errorf("namespace %s still exists", env.Name)
	}
	if _, err := os.Stat(env.Dir); err == nil {
		t.Errorf("%s still exists", env.Dir)
	}
	for _, pid := range pids {
		if running(pid) {
			t.Errorf("process %d from the namespace still runs", pid)
		}
	}
	if got := links(t); slices.Contains(got, "vtbr0") {
		t.Errorf("the root namespace has vtbr0: %v", got)
	}
}

// TestSweepRoot checks that Sweep removes a dead run's namespace and the
// process inside, and leaves a live run's alone.
func TestSweepRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces")
	}
	const prefix = "boxsweep"
	dead := prefix + "-999999999-abcdef" // above any pid_max
	live := prefix + "-" + strconv.Itoa(os.Getpid()) + "-abcdef"
	for _, ns := range []string{dead, live} {
		if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
			t.Fatalf("ip netns add: %s %v", out, err)
		}
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	}
	sleeper := exec.Command("ip", "netns", "exec", dead, "sleep", "300")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() { _ = sleeper.Wait(); close(waited) }()
	t.Cleanup(func() { _ = sleeper.Process.Kill() })
	ns, err := os.Stat("/run/netns/" + dead)
	if err != nil {
		t.Fatal(err)
	}
	for len(pidsIn(ns)) == 0 { // ip netns exec has not entered it yet
		time.Sleep(10 * time.Millisecond)
	}

	if err := Sweep(context.Background(), prefix); err != nil {
		t.Fatal(err)
	}
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Error("the process in the dead run's namespace still runs")
	}
	if _, err := os.Stat("/run/netns/" + dead); err == nil {
		t.Error("the dead run's namespace is still there")
	}
	if _, err := os.Stat("/run/netns/" + live); err != nil {
		t.Error("Sweep removed a live run's namespace")
	}
}

func mustVirsh(t *testing.T, env *Env, args ...string) {
	t.Helper()
	if _, err := env.Virsh(context.Background(), args...); err != nil {
		t.Fatal(err)
	}
}

// running reports whether pid is a process that is not a zombie (killed
// daemons wait a moment for init to reap them).
func running(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	_, after, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(after, "Z")
}

// links lists the root namespace's interface names.
func links(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("/sys/class/net")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
