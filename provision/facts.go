package provision

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/hashicorp/go-version"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// Facts is what provisioning learns about a node, in one round trip.
type Facts struct {
	OS      string // linux
	Arch    string // amd64, arm64 (Go's names)
	Machine string // uname -m as printed: x86_64, aarch64
	Init    InitSystem
	// SysVTool is chkconfig or update-rc.d when Init is sysv.
	SysVTool string
	// Iface holds the lab IP (eth1 on classic boxes, enp0s8 on newer ones).
	Iface string
	// Installed is the installed agent's version, nil when there is none
	// (or it does not run); InstalledText is what it printed.
	Installed     *version.Version
	InstalledText string
	// Sums are the sha256 of the installed binary, config and service
	// file ("" when absent; BinarySum is "present" when not hashed).
	BinarySum, ConfigSum, ServiceSum string
	// RCLocalEntry: /etc/rc.local already holds the agent's line.
	RCLocalEntry bool
	// Running: the agent's service is running.
	Running bool
	// Other says what keeps the other flavour (serf when installing
	// labagent, and back) running or starting at boot: systemd-active,
	// systemd-enabled, running, rclocal, sysv; empty when nothing does.
	Other []string

	serviceSums    map[InitSystem]string
	runningSystemd bool
	runningPID     bool
}

// setInit sets the init system and what depends on it.
func (f *Facts) setInit(init InitSystem) {
	f.Init = init
	f.ServiceSum = f.serviceSums[init]
	f.Running = f.runningPID
	if init == InitSystemd {
		f.Running = f.runningSystemd
	}
}

// factsScript prints sections, each after a line "@name", for parseFacts.
// Init detection looks at the real system, never under Root: Root moves
// where files go, not how the node boots.
//
// With hashBinary false the installed binary is only checked for presence
// (BinarySum "present"): hashing a 12 MB agent on every node of every
// run costs more CPU than the rest of the round trip, and with both
// versions known the version decides.
func factsScript(l Layout, rcLine, otherRCLine string, hashBinary bool) string {
	q := shellQuote
	var b strings.Builder
	b.WriteString("export LC_ALL=C PATH=\"$PATH:/usr/sbin:/sbin\"\n")
	b.WriteString("echo @uname; uname -sm\n")
	b.WriteString("echo @init\n")
	// SysV needs PID 1 to be an init (sysvinit, or upstart on CentOS 6)
	// that runs /etc/init.d: /etc/init.d alone is common on hosts without
	// it (containers, netns nodes, whose PID 1 is lab's holder).
	b.WriteString("pid1=$(cat /proc/1/comm 2>/dev/null)\n")
	b.WriteString("if [ -d /run/systemd/system ]; then echo systemd; " +
		"elif [ \"$pid1\" = init ] && [ -d /etc/init.d ] && command -v chkconfig >/dev/null 2>&1; then echo sysv chkconfig; " +
		"elif [ \"$pid1\" = init ] && [ -d /etc/init.d ] && command -v update-rc.d >/dev/null 2>&1; then echo sysv update-rc.d; " +
		"else echo none; fi\n")
	b.WriteString("echo @addr; ip -o -4 addr show 2>&1\n")
	fmt.Fprintf(&b, "echo @version; [ -x %s ] && %s version 2>&1 | head -n 3\n", q(l.Binary()), q(l.Binary()))
	if hashBinary {
		fmt.Fprintf(&b, "echo @binsum; [ -f %s ] && sha256sum < %s\n", q(l.Binary()), q(l.Binary()))
	} else {
		fmt.Fprintf(&b, "echo @binsum; [ -f %s ] && echo present\n", q(l.Binary()))
	}
	for _, s := range []struct{ name, path string }{
		{"confsum", l.Config()},
		{"svcsum-systemd", l.ServiceFile(InitSystemd)}, {"svcsum-sysv", l.ServiceFile(InitSysV)}, {"svcsum-none", l.ServiceFile(InitNone)},
	} {
		fmt.Fprintf(&b, "echo @%s; [ -f %s ] && sha256sum < %s\n", s.name, q(s.path), q(s.path))
	}
	fmt.Fprintf(&b, "echo @rclocal; [ -f %s ] && grep -cxF %s %s\n", q(l.RCLocal()), q(rcLine), q(l.RCLocal()))
	fmt.Fprintf(&b, "echo @running-systemd; [ -d /run/systemd/system ] && systemctl is-active %s 2>&1\n", q(l.Name))
	fmt.Fprintf(&b, "echo @running-pid; [ -f %s ] && pid=$(cat %s) && kill -0 \"$pid\" 2>/dev/null && ! grep -qs '^State:[[:space:]]*Z' \"/proc/$pid/status\" && echo yes\n", q(l.PIDFile()), q(l.PIDFile()))
	o := l.Other()
	b.WriteString("echo @other\n")
	fmt.Fprintf(&b, "if [ -d /run/systemd/system ]; then systemctl is-active --quiet %[1]s 2>/dev/null && echo systemd-active; systemctl is-enabled --quiet %[1]s 2>/dev/null && echo systemd-enabled; fi\n", q(o.Name))
	fmt.Fprintf(&b, "[ -f %[1]s ] && pid=$(cat %[1]s) && kill -0 \"$pid\" 2>/dev/null && ! grep -qs '^State:[[:space:]]*Z' \"/proc/$pid/status\" && echo running\n", q(o.PIDFile()))
	fmt.Fprintf(&b, "[ -f %s ] && grep -qxF %s %s && echo rclocal\n", q(l.RCLocal()), q(otherRCLine), q(l.RCLocal()))
	fmt.Fprintf(&b, "ls /etc/rc[2345].d/S[0-9][0-9]%s >/dev/null 2>&1 && echo sysv\n", o.Name)
	b.WriteString("echo @end\n")
	return b.String()
}

// GatherFacts learns the node's facts in one round trip; ip is the node's
// lab IP, whose interface it finds. hashBinary asks for the installed
// binary's sha256 (else BinarySum is "present" or "").
//
// sudo ("sudo -n " or "") runs the script privileged: a non-root login
// cannot read the 0600 config to hash it.
func GatherFacts(ctx context.Context, c *Client, l Layout, ip string, hashBinary bool, sudo string) (*Facts, error) {
	rc, orc, err := rcEntries(l)
	if err != nil {
		return nil, err
	}
	script := factsScript(l, rc, orc, hashBinary)
	out, err := c.Run(ctx, sudo+"sh -c "+shellQuote(script), nil)
	if err != nil && !bytes.Contains(out.Stdout, []byte("@end")) {
		return nil, fmt.Errorf("gather facts: %w", err)
	}
	f, err := parseFacts(out.Stdout, ip)
	if err != nil {
		return nil, fmt.Errorf("node %q: %w", c.Node, err)
	}
	return f, nil
}

func sections(out []byte) map[string][]string {
	m := map[string][]string{}
	cur := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "@") {
			cur = line[1:]
			m[cur] = nil
			continue
		}
		if cur != "" && strings.TrimSpace(line) != "" {
			m[cur] = append(m[cur], line)
		}
	}
	return m
}

func first(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.TrimSpace(lines[0])
}

func parseFacts(out []byte, ip string) (*Facts, error) {
	s := sections(out)
	if _, ok := s["end"]; !ok {
		return nil, fmt.Errorf("facts script did not finish; it printed:\n%s", out)
	}
	f := &Facts{}
	u := strings.Fields(first(s["uname"]))
	if len(u) != 2 {
		return nil, fmt.Errorf("cannot read `uname -sm` output %q", first(s["uname"]))
	}
	f.OS, f.Machine = strings.ToLower(u[0]), u[1]
	f.Arch = GoArch(f.Machine)
	in := strings.Fields(first(s["init"]))
	if len(in) == 0 {
		return nil, fmt.Errorf("cannot detect the init system")
	}
	f.Init = InitSystem(in[0])
	if len(in) > 1 {
		f.SysVTool = in[1]
	}
	iface, err := IfaceOf(s["addr"], ip)
	if err != nil {
		return nil, err
	}
	f.Iface = iface
	if txt := strings.Join(s["version"], "\n"); txt != "" {
		f.InstalledText = txt
		f.Installed, _ = ParseVersion(txt)
	}
	sum := func(name string) string { return strings.TrimSuffix(first(s[name]), "  -") }
	f.BinarySum, f.ConfigSum = sum("binsum"), sum("confsum")
	f.serviceSums = map[InitSystem]string{}
	for _, in := range []InitSystem{InitSystemd, InitSysV, InitNone} {
		f.serviceSums[in] = sum("svcsum-" + string(in))
	}
	f.RCLocalEntry = first(s["rclocal"]) != "" && first(s["rclocal"]) != "0"
	f.runningSystemd = first(s["running-systemd"]) == "active"
	f.runningPID = first(s["running-pid"]) == "yes"
	f.Other = s["other"]
	f.setInit(f.Init)
	return f, nil
}

// GoArch maps `uname -m` to Go's GOARCH; unknown machines pass through.
func GoArch(machine string) string {
	switch machine {
	case "x86_64", "amd64":
		return "amd64"
	case "aarch64", "arm64", "armv8l":
		return "arm64"
	case "i386", "i686":
		return "386"
	case "armv7l", "armv6l":
		return "arm"
	}
	return machine
}

// IfaceOf finds, in `ip -o -4 addr show` lines, the interface holding ip:
//
//	3: eth1    inet 192.168.56.11/21 brd 192.168.63.255 scope global eth1\ ...
func IfaceOf(lines []string, ip string) (string, error) {
	want := net.ParseIP(ip)
	if want == nil {
		return "", fmt.Errorf("lab IP %q is not an IP address", ip)
	}
	var seen []string
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) < 4 || f[2] != "inet" {
			continue
		}
		addr, _, err := net.ParseCIDR(f[3])
		if err != nil {
			continue
		}
		name := strings.TrimSuffix(f[1], ":")
		if i := strings.IndexByte(name, '@'); i >= 0 {
			name = name[:i] // veth "eth1@if12"
		}
		if addr.Equal(want) {
			return name, nil
		}
		seen = append(seen, name+"="+addr.String())
	}
	if len(seen) == 0 {
		return "", hint.Errorf("the node needs iproute2", "no IPv4 address found by `ip -o -4 addr show`: %s", strings.Join(lines, "; "))
	}
	return "", hint.Wrap(&NoLabIPError{IP: ip, Have: seen}, "the node's private network is not configured; check the box's network setup")
}

var versionRE = regexp.MustCompile(`\bv?(\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.-]+)?)\b`)

// ParseVersion finds the first version in what `labagent version` or
// `serf version` prints ("labagent v0.1.0 (protocol 1)", "Serf v0.10.1").
func ParseVersion(text string) (*version.Version, error) {
	m := versionRE.FindStringSubmatch(text)
	if m == nil {
		return nil, fmt.Errorf("no version in %q", strings.TrimSpace(text))
	}
	return version.NewVersion(m[1])
}
