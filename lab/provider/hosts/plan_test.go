package hosts

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/golden"
)

// ssOutput is `ss -lntup` on a host running the agent, sshd and a
// program holding the gossip port on every address.
const probeOutput = `uname Linux
ss Netid State  Recv-Q Send-Q   Local Address:Port  Peer Address:Port Process
ss udp   UNCONN 0      0        10.0.0.11%eth1:7946       0.0.0.0:*     users:(("labagent",pid=812,fd=7))
ss tcp   LISTEN 0      4096         10.0.0.11:7946       0.0.0.0:*     users:(("labagent",pid=812,fd=6))
ss tcp   LISTEN 0      128               [::]:22            [::]:*     users:(("sshd",pid=1,fd=4))
ss tcp   LISTEN 0      128                  *:7946             *:*     users:(("consul",pid=99,fd=3))
ip 1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
ip 2: eth1    inet 10.0.0.11/24 brd 10.0.0.255 scope global eth1\       valid_lft forever preferred_lft forever
ip 2: eth1    inet6 fe80::1/64 scope link \       valid_lft forever preferred_lft forever
`

func TestParseProbe(t *testing.T) {
	f := parseProbe(probeOutput)
	want := []string{
		"udp 10.0.0.11:7946 held by labagent (pid 812)",
		"tcp 10.0.0.11:7946 held by labagent (pid 812)",
		"tcp [::]:22 held by sshd (pid 1)",
		"tcp *:7946 held by consul (pid 99)",
	}
	var got []string
	for _, s := range f.sockets {
		got = append(got, s.String())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sockets (-want +got):\n%s", diff)
	}
	if f.kernel != "Linux" || len(f.addrs) != 3 || f.noSS || f.noIP {
		t.Errorf("facts: %+v", f)
	}
}

func TestPlanChecksRows(t *testing.T) {
	ip := netip.MustParseAddr("10.0.0.11")
	agentOnly := strings.ReplaceAll(probeOutput, `ss tcp   LISTEN 0      128                  *:7946             *:*     users:(("consul",pid=99,fd=3))`+"\n", "")
	probes := []probe{
		{node: "web1", labIP: ip, facts: parseProbe(probeOutput)},
		{node: "web2", labIP: ip, facts: parseProbe(agentOnly)},
		{node: "web3", labIP: netip.MustParseAddr("10.0.0.13"), facts: parseProbe(agentOnly)},
		{node: "web4", labIP: ip, err: errors.New(`ssh to node "web4" (root@10.0.0.14:22): gave up after 3 attempts in 5s: context deadline exceeded (last error: dial tcp 10.0.0.14:22: connect: connection refused)`)},
		{node: "web5", labIP: ip, facts: parseProbe("uname Darwin\nnocmd ss\nnocmd ip\n")},
	}
	var b strings.Builder
	for _, c := range []struct {
		name  string
		check func([]probe) string
	}{
		{"ssh", func(p []probe) string {
			return row(sshCheck(p).Name, sshCheck(p).OK, sshCheck(p).Detail, sshCheck(p).Fix)
		}},
		{"port", func(p []probe) string { c := portCheck(p, 7946); return row(c.Name, c.OK, c.Detail, c.Fix) }},
		{"ip", func(p []probe) string { c := labIPCheck(p); return row(c.Name, c.OK, c.Detail, c.Fix) }},
		{"port ok", func(p []probe) string { c := portCheck(p[1:3], 7946); return row(c.Name, c.OK, c.Detail, c.Fix) }},
	} {
		b.WriteString(c.check(probes))
	}
	golden.Check(t, "plan_rows.txt", []byte(b.String()))
}

func row(name string, ok bool, detail, fix string) string {
	status := "ok"
	if !ok {
		status = "FAIL"
	}
	return name + "\t" + status + "\t" + detail + "\n\tfix: " + fix + "\n"
}

func TestUninstallScript(t *testing.T) {
	s, err := UninstallScript()
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "uninstall.sh", []byte(s))
}
