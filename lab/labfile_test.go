package lab

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gossiplab/gossiplab/internal/hint"
)

func TestLabFileRoundTrip(t *testing.T) {
	spec := DefaultSpec()
	spec.Nodes = 52
	spec.BoxVersion = ">= 12.0"
	spec.Groups = []Group{{Name: "web", Nodes: "web_[1-40]", Tags: map[string]string{"role": "web", "dc.zone": "a b"}}}
	spec.Libvirt = LibvirtSpec{Driver: DriverQEMU, TCGCacheMB: 48, URI: "qemu:///system",
		ManagementNetwork: ManagementNetwork{Name: "lab-mgmt", Address: mustPrefix("192.168.122.0/24")}}
	text, err := RenderLabFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := ParseFile("lab.hcl", text)
	if err != nil {
		t.Fatalf("parse rendered file: %v\n%s", err, text)
	}
	if diff := cmp.Diff(spec, got, cmp.Comparer(func(a, b interface{ String() string }) bool { return a.String() == b.String() })); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestParseFileErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown attribute", "nodes = 3\nnodez = 4\n", []string{"lab.hcl:2:1", "Unsupported argument", "hint: lab.hcl accepts"}},
		{"unknown block", "vm {\n}\n", []string{"lab.hcl:1:1", "Unsupported block type"}},
		{"wrong type", `nodes = "many"`, []string{"lab.hcl:1:", "number is required"}},
		{"fractional", "nodes = 2.5", []string{"lab.hcl:1:9"}},
		{"syntax", "nodes = ", []string{"lab.hcl:1:"}},
		{"bad subnet", `subnet = "192.168.56/21"`, []string{"lab.hcl:1:10", "not a CIDR"}},
		{"unknown agent attribute", "agent {\n  gossip = 1\n}\n", []string{"lab.hcl:2:3", "Unsupported argument"}},
		{"unknown libvirt attribute", "libvirt {\n  accel = \"tcg\"\n}\n", []string{"lab.hcl:2:3", "Unsupported argument", "tcg_cache_mb"}},
		{"bad management address", "libvirt {\n  management_network {\n    address = \"192.168.121.1/24\"\n  }\n}\n",
			[]string{"lab.hcl:3:15", "not a network address", "hint: write"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseFile("lab.hcl", []byte(tt.src))
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(hint.Text(err), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestValidateBadInput(t *testing.T) {
	tests := []struct {
		name  string
		apply func(*Spec)
		field string
		want  string
	}{
		{"zero nodes", func(s *Spec) { s.Nodes = 0 }, "nodes", "out of range"},
		{"negative nodes", func(s *Spec) { s.Nodes = -1 }, "nodes", "out of range"},
		{"too many nodes", func(s *Spec) { s.Nodes = 100000 }, "nodes", "out of range"},
		{"subnet /30", func(s *Spec) { s.Subnet = mustPrefix("192.168.56.0/30"); s.FirstHost = 2 }, "subnet", "room for 1 nodes, not 3"},
		{"subnet host bits", func(s *Spec) { s.Subnet = mustPrefix("192.168.56.7/24") }, "subnet", "host bits"},
		// Every VirtualBox VM, and every netns node's eth0, has 10.0.2.15/24
		// (NAT): a lab subnet overlapping it never forms a cluster.
		{"subnet on the NAT network", func(s *Spec) { s.Subnet = mustPrefix("10.0.2.0/24") }, "subnet", "puts nodes in 10.0.2.0/24"},
		{"nodes reaching into the NAT network", func(s *Spec) { s.Subnet = mustPrefix("10.0.0.0/16"); s.FirstHost = 500; s.Nodes = 20 }, "subnet", "puts nodes in 10.0.2.0/24"},
		{"nodes beside the NAT network", func(s *Spec) { s.Subnet = mustPrefix("10.0.0.0/16") }, "", ""},
		{"loopback subnet", func(s *Spec) { s.Subnet = mustPrefix("127.0.0.0/24") }, "subnet", "not a private network"},
		{"multicast subnet", func(s *Spec) { s.Subnet = mustPrefix("224.0.0.0/24") }, "subnet", "not a private network"},
		{"link-local subnet", func(s *Spec) { s.Subnet = mustPrefix("169.254.0.0/16") }, "subnet", "not a private network"},
		{"10.1 is fine", func(s *Spec) { s.Subnet = mustPrefix("10.1.0.0/24") }, "", ""},
		{"port base past the end", func(s *Spec) { s.SSHPortBase = 65500; s.Nodes = 52 }, "ssh_port_base", "run past 65535"},
		{"privileged port", func(s *Spec) { s.SSHPortBase = 22 }, "ssh_port_base", "out of range"},
		{"prefix with quote", func(s *Spec) { s.Prefix = `x"; system("id"); "` }, "prefix", "invalid"},
		{"prefix with space", func(s *Spec) { s.Prefix = "web server" }, "prefix", "invalid"},
		{"prefix with interpolation", func(s *Spec) { s.Prefix = "#{`id`}" }, "prefix", "invalid"},
		{"prefix with newline", func(s *Spec) { s.Prefix = "web\nend" }, "prefix", "invalid"},
		{"uppercase prefix", func(s *Spec) { s.Prefix = "Web" }, "prefix", "invalid"},
		{"box with ruby", func(s *Spec) { s.Box = `x"; system("id"); "` }, "box", "invalid box"},
		{"box with interpolation", func(s *Spec) { s.Box = `debian/#{system('id')}` }, "box", "invalid box"},
		{"box version with quote", func(s *Spec) { s.BoxVersion = `1'; system('id')` }, "box_version", "invalid"},
		{"unknown provider", func(s *Spec) { s.Provider = "docker" }, "provider", "unknown provider"},
		{"unknown profile", func(s *Spec) { s.Agent.Profile = "fast" }, "agent.profile", "unknown agent profile"},
		{"zero seeds", func(s *Spec) { s.Agent.Seeds = 0 }, "agent.seeds", "join nobody"},
		{"group selecting nothing", func(s *Spec) { s.Groups = []Group{{Name: "db", Nodes: "db_*"}} }, `group "db" nodes`, "no node matches"},
		{"tag with newline", func(s *Spec) {
			s.Groups = []Group{{Name: "web", Nodes: "web_1", Tags: map[string]string{"role": "a\nb"}}}
		}, `group "web" tags`, "invalid value"},
		{"long prefix", func(s *Spec) { s.Prefix = strings.Repeat("a", 40); s.Name = "x" }, "", ""},
		{"libvirt qemu", func(s *Spec) { s.Libvirt = LibvirtSpec{Driver: DriverQEMU, TCGCacheMB: 32, URI: "qemu:///system"} }, "", ""},
		{"libvirt unknown driver", func(s *Spec) { s.Libvirt.Driver = "tcg" }, "libvirt.driver", "unknown libvirt driver"},
		{"tcg cache under kvm", func(s *Spec) { s.Libvirt.TCGCacheMB = 64 }, "libvirt.tcg_cache_mb", "applies to driver \"qemu\" only"},
		{"tiny tcg cache", func(s *Spec) { s.Libvirt = LibvirtSpec{Driver: DriverQEMU, TCGCacheMB: 4} }, "libvirt.tcg_cache_mb", "out of range"},
		{"libvirt uri with quote", func(s *Spec) { s.Libvirt.URI = `qemu:///system'; system('id')` }, "libvirt.uri", "invalid libvirt URI"},
		{"management network name", func(s *Spec) { s.Libvirt.ManagementNetwork.Name = "my net" }, "libvirt.management_network.name", "invalid network name"},
		{"management network on the lab subnet", func(s *Spec) { s.Libvirt.ManagementNetwork.Address = mustPrefix("192.168.56.0/24") },
			"libvirt.management_network.address", "overlaps the lab's subnet"},
		{"management network /30", func(s *Spec) { s.Libvirt.ManagementNetwork.Address = mustPrefix("192.168.121.0/30") },
			"libvirt.management_network.address", "cannot hold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSpec()
			tt.apply(&s)
			errs := s.Validate()
			if fe := s.CheckProvider([]string{ProviderVirtualBox, ProviderLibvirt, ProviderNetns}); fe != nil {
				errs = append(errs, fe) // the providers a lab binary registers
			}
			if tt.field == "" {
				if len(errs) != 0 {
					t.Fatalf("unexpected errors: %v", errs)
				}
				return
			}
			for _, e := range errs {
				if e.Field == tt.field && strings.Contains(e.Msg, tt.want) {
					return
				}
			}
			t.Fatalf("errors %v lack %s: %q", errs, tt.field, tt.want)
		})
	}
}

func TestSpecErrorNamesWhereValuesCameFrom(t *testing.T) {
	spec, src, err := ParseFile("/x/lab.hcl", []byte("nodes = 0\nmemory = 64\n"))
	if err != nil {
		t.Fatal(err)
	}
	spec.SSHPortBase = 70000
	err = SpecError(spec.Validate(), src, map[string]bool{"ssh_port_base": true})
	for _, want := range []string{"/x/lab.hcl:1:9: nodes:", "/x/lab.hcl:2:10: memory:", "--ssh-port-base:", "hint:"} {
		if err == nil || !strings.Contains(hint.Text(err), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestResolveNodes(t *testing.T) {
	s := DefaultSpec()
	s.Nodes = 300
	s.Groups = []Group{{Name: "web", Nodes: "web_[1-2]", Tags: map[string]string{"role": "web"}}}
	nodes := s.ResolveNodes()
	if n := nodes[0]; n.Name != "web_1" || n.Hostname != "web-1" || n.IP.String() != "192.168.56.11" || n.SSHPort != 2300 || n.Tags["role"] != "web" {
		t.Errorf("node 1 = %+v", n)
	}
	// Host numbers carry across octets.
	if n := nodes[299]; n.IP.String() != "192.168.57.54" || n.SSHPort != 2599 || len(n.Tags) != 0 {
		t.Errorf("node 300 = %+v", n)
	}
}
