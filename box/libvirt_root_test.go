package box

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/internal/virttest"
)

// bootVagrantfile is one machine under qemu's software emulation (driver
// "qemu": no KVM needed) with a 64 MB translation cache, which
// vagrant-libvirt has no setting for: the last feature closes the <pae/>
// element it is rendered into and adds <tcg><tb-cache> before it. The
// private network and the SSH forward are inside the test's namespace.
const bootVagrantfile = `Vagrant.configure("2") do |config|
  config.vm.box = "gossiplab/bookworm"
  config.vm.box_check_update = false%s
  config.vm.define "web_1" do |node|
    node.vm.hostname = "web-1"
    node.vm.network "private_network", ip: "10.214.0.11"
    node.vm.network "forwarded_port", guest: 22, host: 2222, host_ip: "127.0.0.1", id: "ssh"
    node.vm.provider :libvirt do |lv|
      lv.driver = "qemu"
      lv.memory = %d
      lv.cpus = 1
      lv.forward_ssh_port = true
      lv.graphics_type = "none"
      lv.video_type = "none"
      lv.features = ["acpi", "apic", "tcg><tb-cache unit='MiB'>64</tb-cache></tcg><pae"]
    end
  end
end
`

// bootRun is a Vagrant project of one machine from the libvirt box,
// driven by the real vagrant inside a private libvirt.
type bootRun struct {
	tb   testing.TB
	ctx  context.Context
	env  *virttest.Env
	dir  string
	venv []string
}

// newBootRun makes the project in a new private libvirt; guest, when set,
// names the guest OS (Vagrant then skips its detection).
func newBootRun(ctx context.Context, tb testing.TB, box string, memoryMB int, guest string) *bootRun {
	tb.Helper()
	r := &bootRun{tb: tb, ctx: ctx, env: virttest.New(tb, virttest.Options{Prefix: "box"}), dir: tb.TempDir(), venv: vagrantEnv(tb)}
	r.vagrant("", "box", "add", "--name", DefaultName, box)
	if guest != "" {
		guest = "\n  config.vm.guest = :" + guest
	}
	if err := os.WriteFile(filepath.Join(r.dir, "Vagrantfile"), fmt.Appendf(nil, bootVagrantfile, guest, memoryMB), 0o644); err != nil {
		tb.Fatal(err)
	}
	return r
}

// vagrant runs vagrant in the project and returns its output, which it
// saves as testdata/vagrant-libvirt/record with -record.
func (r *bootRun) vagrant(record string, args ...string) string {
	r.tb.Helper()
	out, err := r.env.Runner(execx.Exec{}).Run(r.ctx, execx.Cmd{Args: append([]string{"vagrant"}, args...), Dir: r.dir, Env: r.venv})
	if err != nil {
		r.tb.Fatal(err)
	}
	save(r.tb, record, string(out))
	return string(out)
}

// up boots the machine and returns how long vagrant up took.
func (r *bootRun) up(record string) time.Duration {
	r.tb.Helper()
	start := time.Now()
	out := r.vagrant(record, "up", "--parallel", "--provider=libvirt", "--machine-readable", "web_1")
	took := time.Since(start)
	if !strings.Contains(out, "Machine booted and ready") {
		r.tb.Errorf("vagrant up did not say the machine booted:\n%s", out)
	}
	return took
}

// uptime is the machine's uptime, as it says.
func (r *bootRun) uptime() float64 {
	r.tb.Helper()
	out := r.vagrant("", "ssh", "web_1", "-c", "cut -d' ' -f1 /proc/uptime")
	v, err := strconv.ParseFloat(strings.TrimSpace(out), 64)
	if err != nil {
		r.tb.Fatalf("uptime %q: %v", out, err)
	}
	return v
}

// TestBuildLibvirtBootsRoot boots the libvirt box with the real vagrant
// and vagrant-libvirt in a private libvirt: 128 MB, a private network on
// the second NIC, passwordless sudo, the SSH forward on 127.0.0.1; then
// halts and destroys it, and checks that nothing is left.
func TestBuildLibvirtBootsRoot(t *testing.T) {
	needTools(t, "vagrant", "ssh")
	path := boxPath(t, sharedBoxes(t), Libvirt)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	r := newBootRun(ctx, t, path, 128, "")
	t.Logf("vagrant up: %.1fs", r.up("up.txt").Seconds())
	t.Logf("guest uptime after vagrant up: %.1fs", r.uptime())
	if status := r.vagrant("status-running.txt", "status", "--machine-readable"); !strings.Contains(status, ",web_1,state,running") {
		t.Errorf("vagrant status:\n%s", status)
	}
	r.vagrant("ssh-config.txt", "ssh-config", "--machine-readable", "web_1")
	sshConfig := r.vagrant("ssh-config-plain.txt", "ssh-config", "web_1")

	addrs := r.vagrant("", "ssh", "web_1", "-c", "ip -4 addr show")
	if !regexp.MustCompile(`(?s)\d+: eth1: [^\n]*\n(    [^\n]*\n)*?    inet 10\.214\.0\.11/24`).MatchString(addrs) {
		t.Errorf("the private IP is not on eth1:\n%s", addrs)
	}
	r.vagrant("", "ssh", "web_1", "-c", "sudo -n true")
	if name := strings.TrimSpace(r.vagrant("", "ssh", "web_1", "-c", "hostname")); name != "web-1" {
		t.Errorf("hostname %q, want web-1", name)
	}
	if out := r.vagrant("", "ssh", "web_1", "-c", "labagent; grep '^agent: /usr/local/bin/labagent sha256:' /usr/share/gossiplab/box-manifest.txt"); !strings.Contains(out, "labagent stand-in") || !strings.Contains(out, "agent: ") {
		t.Errorf("the agent is not installed or not in the manifest:\n%s", out)
	}
	checkForward(ctx, t, r.env, sshConfig)
	if rss := qemuRSS(t, r.env); rss > 0 {
		t.Logf("qemu resident memory with 128 MB guest memory: %.0f MB", rss)
	}

	r.vagrant("halt.txt", "halt", "--machine-readable", "web_1")
	if status := r.vagrant("status-shutoff.txt", "status", "--machine-readable"); !strings.Contains(status, ",web_1,state,shutoff") {
		t.Errorf("vagrant status after halt:\n%s", status)
	}
	r.vagrant("destroy.txt", "destroy", "-f", "--machine-readable", "web_1")
	left, err := r.env.Leftovers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range left {
		if strings.HasPrefix(l, "domain ") {
			t.Errorf("vagrant destroy left %s", l)
		}
	}
	t.Logf("left for the harness: %v", left)
	if err := r.env.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("/run/netns", r.env.Name)); err == nil {
		t.Errorf("namespace %s survived the cleanup", r.env.Name)
	}
}

// BenchmarkBootLibvirtRoot boots the libvirt box once per iteration and
// reports how long vagrant up took, the machine's uptime when it returned
// and qemu's resident memory, for 128 and 256 MB of guest memory, and with
// the guest OS named in the Vagrantfile (no detection):
//
//	BOX=gossiplab-bookworm-libvirt.box go test -run '^$' -bench BootLibvirtRoot -benchtime 1x ./box/
func BenchmarkBootLibvirtRoot(b *testing.B) {
	if _, err := os.Stat(os.Getenv("BOX")); err != nil {
		b.Skip("set BOX to a libvirt box (lab box build) to boot")
	}
	for _, c := range []struct {
		mem   int
		guest string
	}{{128, ""}, {256, ""}, {128, "debian"}} {
		name := fmt.Sprintf("memory=%d", c.mem)
		if c.guest != "" {
			name += "/guest=" + c.guest
		}
		b.Run(name, func(b *testing.B) {
			var up, uptime, rss float64
			for i := 0; i < b.N; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
				r := newBootRun(ctx, b, os.Getenv("BOX"), c.mem, c.guest)
				up += r.up("").Seconds()
				uptime += r.uptime()
				rss += qemuRSS(b, r.env)
				r.vagrant("", "destroy", "-f", "web_1")
				if err := r.env.Cleanup(ctx); err != nil {
					b.Fatal(err)
				}
				cancel()
			}
			n := float64(b.N)
			b.ReportMetric(up/n, "s/up")
			b.ReportMetric(uptime/n, "s-guest-uptime")
			b.ReportMetric(rss/n, "MB-qemu-rss")
		})
	}
}

// checkForward logs in through the forward vagrant-libvirt made for the
// "ssh" port (an ssh -L process in the namespace) with the machine's key.
func checkForward(ctx context.Context, t *testing.T, env *virttest.Env, sshConfig string) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*IdentityFile\s+"?([^"\n]+)"?$`).FindStringSubmatch(sshConfig)
	if m == nil {
		t.Fatalf("no IdentityFile in vagrant ssh-config:\n%s", sshConfig)
	}
	out, err := env.Run(ctx, "", "ssh", "-p", "2222", "-i", m[1], "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=60",
		"vagrant@127.0.0.1", "echo forwarded")
	if err != nil || !strings.Contains(string(out), "forwarded") {
		t.Errorf("ssh through the 127.0.0.1:2222 forward: %s %v", out, err)
	}
}

// qemuRSS checks that qemu got the 64 MB translation cache and returns
// its resident memory in MB.
func qemuRSS(tb testing.TB, env *virttest.Env) float64 {
	tb.Helper()
	for _, pid := range env.Pids() {
		dir := filepath.Join("/proc", strconv.Itoa(pid))
		if comm, _ := os.ReadFile(filepath.Join(dir, "comm")); !strings.HasPrefix(string(comm), "qemu-system") {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
		if !strings.Contains(string(cmdline), "tcg,tb-size=64") {
			tb.Errorf("qemu runs without the 64 MB translation cache: %s", strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
		status, _ := os.ReadFile(filepath.Join(dir, "status"))
		if m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(status); m != nil {
			kb, _ := strconv.Atoi(string(m[1]))
			return float64(kb) / 1024
		}
	}
	tb.Error("no qemu process in the namespace")
	return 0
}
