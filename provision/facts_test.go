package provision

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const ipAddrClassic = `1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global dynamic eth0\       valid_lft 86322sec preferred_lft 86322sec
3: eth1    inet 192.168.56.13/21 brd 192.168.63.255 scope global eth1\       valid_lft forever preferred_lft forever`

const ipAddrNew = `1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
2: enp0s3    inet 10.0.2.15/24 metric 100 brd 10.0.2.255 scope global dynamic enp0s3\       valid_lft 86355sec preferred_lft 86355sec
3: enp0s8    inet 192.168.56.13/21 brd 192.168.63.255 scope global enp0s8\       valid_lft forever preferred_lft forever`

func TestIfaceOf(t *testing.T) {
	tests := []struct {
		name, out, ip, want, err string
	}{
		{"classic box eth1", ipAddrClassic, "192.168.56.13", "eth1", ""},
		{"newer box enp0s8", ipAddrNew, "192.168.56.13", "enp0s8", ""},
		{"veth with peer suffix", "7: eth1@if8    inet 10.77.0.5/24 scope global eth1", "10.77.0.5", "eth1", ""},
		{"NAT address is not the lab IP", ipAddrClassic, "10.0.2.16", "", "no interface holds the lab IP 10.0.2.16 (the node has lo=127.0.0.1, eth0=10.0.2.15, eth1=192.168.56.13)"},
		{"no ip output", "sh: ip: not found", "192.168.56.13", "", "no IPv4 address found"},
		{"bad ip", ipAddrClassic, "eth1", "", `lab IP "eth1" is not an IP address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := IfaceOf(strings.Split(tt.out, "\n"), tt.ip)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("IfaceOf = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestGoArch(t *testing.T) {
	for in, want := range map[string]string{"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "riscv64": "riscv64"} {
		if got := GoArch(in); got != want {
			t.Errorf("GoArch(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseVersion(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"labagent", "labagent v0.1.0 (protocol 1)", "0.1.0"},
		{"serf", "Serf v0.10.1\nAgent Protocol: 5 (Understands back to: 2)", "0.10.1"},
		{"prerelease", "labagent 1.2.0-rc.1", "1.2.0-rc.1"},
		{"two parts", "serf 0.8", "0.8.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ParseVersion(tt.in)
			if err != nil || v.String() != tt.want {
				t.Fatalf("ParseVersion(%q) = %v, %v; want %s", tt.in, v, err, tt.want)
			}
		})
	}
	if _, err := ParseVersion("sh: labagent: not found"); err == nil {
		t.Error("want an error for output without a version")
	}
}

func TestParseFacts(t *testing.T) {
	sum := strings.Repeat("a", 64)
	tests := []struct {
		name string
		out  string
		want Facts
	}{
		{
			name: "fresh systemd node",
			out:  "@uname\nLinux x86_64\n@init\nsystemd\n@addr\n" + ipAddrNew + "\n@version\n@binsum\n@confsum\n@svcsum-systemd\n@svcsum-sysv\n@svcsum-none\n@rclocal\n@running-systemd\ninactive\n@running-pid\n@end\n",
			want: Facts{OS: "linux", Arch: "amd64", Machine: "x86_64", Init: InitSystemd, Iface: "enp0s8"},
		},
		{
			name: "CentOS 6 with an agent running",
			out: "@uname\nLinux aarch64\n@init\nsysv chkconfig\n@addr\n" + ipAddrClassic + "\n@version\nlabagent v0.1.0 (protocol 1)\n@binsum\n" + sum + "  -\n@confsum\n" + sum +
				"  -\n@svcsum-systemd\n@svcsum-sysv\n" + sum + "  -\n@svcsum-none\n@rclocal\n@running-systemd\n@running-pid\nyes\n@end\n",
			want: Facts{OS: "linux", Arch: "arm64", Machine: "aarch64", Init: InitSysV, SysVTool: "chkconfig", Iface: "eth1",
				InstalledText: "labagent v0.1.0 (protocol 1)", BinarySum: sum, ConfigSum: sum, ServiceSum: sum, Running: true},
		},
		{
			name: "no init system, rc.local entry present",
			out:  "@uname\nLinux x86_64\n@init\nnone\n@addr\n" + ipAddrClassic + "\n@version\n@binsum\n@confsum\n@svcsum-systemd\n@svcsum-sysv\n@svcsum-none\n@rclocal\n1\n@running-systemd\n@running-pid\n@end\n",
			want: Facts{OS: "linux", Arch: "amd64", Machine: "x86_64", Init: InitNone, Iface: "eth1", RCLocalEntry: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseFacts([]byte(tt.out), "192.168.56.13")
			if err != nil {
				t.Fatal(err)
			}
			got := *f
			got.Installed = nil
			got.serviceSums, got.runningPID, got.runningSystemd = nil, false, false
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(Facts{})); diff != "" {
				t.Errorf("facts (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := parseFacts([]byte("@uname\nLinux x86_64\n"), "192.168.56.13"); err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Errorf("truncated output: err = %v", err)
	}
}
