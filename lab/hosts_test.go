package lab

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// listedSpec is a lab of two machines written as host blocks, listed as a
// NodeSource would.
func listedSpec() Spec {
	s := DefaultSpec()
	s.Provider = "machines"
	s.Hosts = []Host{
		{Name: "db1", Address: "10.0.0.7", Port: 2222, User: "admin", IdentityFile: "~/.ssh/lab", LabIP: netip.MustParseAddr("10.0.0.7"), Pos: "lab.hcl:9"},
		{Name: "db2", Address: "db2.example.com", LabIP: netip.MustParseAddr("10.0.0.8"), Pos: "lab.hcl:16"},
	}
	s.Nodes = 2
	s.Groups = []Group{{Name: "db", Nodes: "db*", Tags: map[string]string{"role": "db"}}}
	return s
}

func TestListedLabFileRoundTrip(t *testing.T) {
	spec := listedSpec()
	spec.Inventory = "hosts.ini"
	spec.Hosts = append(spec.Hosts, Host{Name: "web1", LabIP: netip.MustParseAddr("10.0.0.11"), FromInventory: true})
	text, err := RenderLabFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"web1", "nodes  =", "subnet", "box =", "\n\n\n"} {
		if strings.Contains(string(text), absent) {
			t.Errorf("a listed lab's lab.hcl holds %q:\n%s", absent, text)
		}
	}
	got, _, err := ParseFile("lab.hcl", text)
	if err != nil {
		t.Fatalf("parse rendered file: %v\n%s", err, text)
	}
	want := listedSpec()
	want.Inventory = "hosts.ini"
	want.Nodes = DefaultSpec().Nodes // set by listing, not written
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Host{}, "Pos"), cmp.Comparer(func(a, b interface{ String() string }) bool { return a.String() == b.String() })); diff != "" {
		t.Errorf("round trip (-want +got):\n%s\n%s", diff, text)
	}
}

func TestListedNodes(t *testing.T) {
	s := listedSpec()
	if errs := s.Validate(); len(errs) > 0 {
		t.Fatalf("valid listed spec refused: %v", SpecError(errs, nil, nil))
	}
	l := New("/lab", s)
	var got []string
	for _, n := range l.Nodes {
		got = append(got, strings.Join([]string{n.Name, n.Hostname, n.IP.String(), strings.Join(SortedTags(n.Tags), ",")}, " "))
	}
	if diff := cmp.Diff([]string{"db1 db1 10.0.0.7 role=db", "db2 db2 10.0.0.8 role=db"}, got); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	if l.Nodes[0].SSHPort != 2222 || l.Nodes[1].SSHPort != 22 {
		t.Errorf("ssh ports %d, %d", l.Nodes[0].SSHPort, l.Nodes[1].SSHPort)
	}
}

// A listed lab's plan has no SSH ports, subnet or memory to hand out: its
// provider's checks are the plan.
func TestPlanListed(t *testing.T) {
	s := listedSpec()
	r := Plan(context.Background(), s, facts(1024, 2300), listedPlanner{})
	var names []string
	for _, c := range r.Checks {
		names = append(names, c.Name)
	}
	if diff := cmp.Diff([]string{"memory", "reach"}, names); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
	if !r.Fits || r.MaxNodes != 2 || !r.Listed || r.NeedMB != 0 {
		t.Errorf("plan: %+v", r)
	}
}

type listedPlanner struct{}

func (listedPlanner) Footprint(Spec) Footprint { return Footprint{Note: "machines of their own"} }
func (listedPlanner) PlanChecks(context.Context, Spec, HostFacts) []Check {
	return []Check{{Name: "reach", OK: true}}
}

func TestParseHostBlocks(t *testing.T) {
	src := `provider = "machines"
host "db1" {
  address = "10.0.0.7"
  port = 2222
  lab_ip = "10.0.0.7"
}
host "db 2" {
}
`
	s, _, err := ParseFile("lab.hcl", []byte(src))
	if err != nil {
		t.Fatal(hint.Text(err))
	}
	if len(s.Hosts) != 2 || s.Hosts[0].Pos != "lab.hcl:2" || s.Hosts[0].Port != 2222 || s.Hosts[1].Pos != "lab.hcl:7" {
		t.Fatalf("hosts: %+v", s.Hosts)
	}
	err = SpecError(s.Validate(), nil, nil)
	if err == nil || !strings.Contains(err.Error(), `lab.hcl:7: host "db 2": unusable as a node name`) || !strings.Contains(err.Error(), `lab.hcl:7: host "db 2": no lab IP`) {
		t.Errorf("validation: %v", err)
	}
}

// A lab file that lists machines for a provider that makes its nodes is
// refused, naming both.
func TestListHostsRefusesMadeProvider(t *testing.T) {
	s := DefaultSpec()
	s.Inventory = "hosts.ini"
	err := ListHosts(context.Background(), &s, "/lab", madeProvider{})
	if err == nil || !strings.Contains(hint.Text(err), "provider vm makes its nodes from nodes, prefix and subnet") {
		t.Errorf("inventory for a made lab: %v", err)
	}
	plain := DefaultSpec()
	if err := ListHosts(context.Background(), &plain, "/lab", madeProvider{}); err != nil || plain.Listed() {
		t.Errorf("made lab: %v", err)
	}
}

type madeProvider struct{ Provider }

func (madeProvider) Info() ProviderInfo { return ProviderInfo{Name: "vm"} }
