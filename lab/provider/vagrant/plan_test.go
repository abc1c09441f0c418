package vagrant

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/lab"
)

// VirtualBox's host-only ranges, checked by this provider's plan.
func TestPlanHostOnly(t *testing.T) {
	conf := func(s string) *string { return &s }
	mem := 23 * 1024
	vmMax := (mem - lab.HostReserveMB) / 576
	tests := []struct {
		name     string
		provider string
		subnet   string
		goos     string
		host     vboxHost
		fits     bool
		maxNodes int
		hint     string
	}{
		{name: "classic 192.168.33.0/24 without networks.conf", subnet: "192.168.33.0/24", fits: false, maxNodes: vmMax,
			hint: `add the line "* 192.168.33.0/24" to /etc/vbox/networks.conf`},
		{name: "networks.conf allowing 192.168.0.0/16", subnet: "192.168.33.0/24", host: vboxHost{NetworksConf: conf("* 10.0.0.0/8 192.168.0.0/16\n")},
			fits: true, maxNodes: vmMax},
		{name: "networks.conf not allowing the default range", host: vboxHost{NetworksConf: conf("* 10.0.0.0/8\n")}, fits: false, maxNodes: vmMax},
		{name: "windows has no host-only restriction", subnet: "192.168.33.0/24", goos: "windows", fits: true, maxNodes: vmMax},
		{name: "macOS with VirtualBox 7 has none", subnet: "192.168.33.0/24", goos: "darwin", host: vboxHost{Version: "7.0.14"}, fits: true, maxNodes: vmMax},
		{name: "libvirt has no host-only restriction", provider: lab.ProviderLibvirt, subnet: "192.168.33.0/24", fits: true,
			maxNodes: (mem - lab.HostReserveMB) / (512 + qemuOverheadMB)}, // memory binds before the /24's 244
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := lab.DefaultSpec()
			if tt.provider != "" {
				s.Provider = tt.provider
			}
			if tt.subnet != "" {
				s.Subnet = netip.MustParsePrefix(tt.subnet)
			}
			if errs := s.Validate(); len(errs) > 0 {
				t.Fatalf("invalid spec: %v", errs)
			}
			p, err := New(Options{Provider: s.Provider})
			if err != nil {
				t.Fatal(err)
			}
			p.vboxHost = &tt.host
			p.kvmHost = &kvmHost{HWVirt: true} // driver kvm works
			goos := tt.goos
			if goos == "" {
				goos = "linux"
			}
			r := lab.Plan(context.Background(), s, lab.HostFacts{OS: goos, MemAvailableMB: mem, PortFree: func(int) bool { return true }}, p)
			if r.Fits != tt.fits || r.MaxNodes != tt.maxNodes {
				t.Errorf("fits = %v, max nodes %d; want %v, %d; checks %+v", r.Fits, r.MaxNodes, tt.fits, tt.maxNodes, r.Checks)
			}
			for _, c := range r.Checks {
				if !c.OK && c.Name != "host-only range" {
					t.Errorf("check %q failed: %s", c.Name, c.Detail)
				}
			}
			if !strings.Contains(r.Hint, tt.hint) {
				t.Errorf("hint %q lacks %q", r.Hint, tt.hint)
			}
		})
	}
}

func TestParseNetworksConf(t *testing.T) {
	got := ParseNetworksConf("# comment\n* 10.0.0.0/8 192.168.0.0/16\n* 2001::/64\nbogus line\n")
	if len(got) != 2 || got[0].String() != "10.0.0.0/8" || got[1].String() != "192.168.0.0/16" {
		t.Errorf("got %v", got)
	}
}
