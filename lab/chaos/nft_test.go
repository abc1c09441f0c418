package chaos

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/golden"
	"github.com/gossiplab/gossiplab/lab"
)

// testLab is a valid lab of n nodes on 10.213.77.0/24 (web_1 = .11).
func testLab(t testing.TB, n int) *lab.Lab {
	t.Helper()
	s := lab.DefaultSpec()
	s.Provider = lab.ProviderNetns
	s.Nodes = n
	s.Subnet = netip.MustParsePrefix("10.213.77.0/24")
	if n >= 4 {
		s.Groups = []lab.Group{
			{Name: "front", Nodes: "web_[1-2]", Tags: map[string]string{"role": "front"}},
			{Name: "back", Nodes: "web_[3-" + itoa(n) + "]", Tags: map[string]string{"role": "back"}},
		}
	}
	if errs := s.Validate(); len(errs) > 0 {
		t.Fatalf("test spec: %v", errs)
	}
	return lab.New(t.TempDir(), s)
}

func TestRenderGolden(t *testing.T) {
	l := testLab(t, 4)
	pick := func(fs []NodeFault, err error, node string) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Node == node {
				return f.NFT
			}
		}
		t.Fatalf("no fault planned for %s", node)
		return ""
	}
	tests := []struct {
		name string
		got  func() string
	}{
		{"partition_all.nft", func() string {
			fs, err := PlanPartition(l, []string{"web_1", "web_2"}, []string{"web_3", "web_4"}, ScopeAll, DefaultGossipPorts)
			return pick(fs, err, "web_1")
		}},
		{"partition_gossip.nft", func() string {
			fs, err := PlanPartition(l, []string{"web_1", "web_2"}, []string{"web_3", "web_4"}, ScopeGossip, PortRange{7946, 7950})
			return pick(fs, err, "web_4")
		}},
		{"isolate.nft", func() string {
			fs, err := PlanIsolate(l, []string{"web_2"}, ScopeAll, DefaultGossipPorts)
			return pick(fs, err, "web_2")
		}},
		{"loss_gossip.nft", func() string {
			fs, err := PlanLoss(l, []string{"web_3"}, 30, ScopeGossip, DefaultGossipPorts)
			return pick(fs, err, "web_3")
		}},
		{"loss_udp.nft", func() string {
			fs, err := PlanLoss(l, []string{"web_2"}, 10, ScopeUDP, DefaultGossipPorts)
			return pick(fs, err, "web_2")
		}},
		{"loss_all_fraction.nft", func() string {
			fs, err := PlanLoss(l, []string{"web_1"}, 2.5, ScopeAll, DefaultGossipPorts)
			return pick(fs, err, "web_1")
		}},
		{"heal.nft", RenderHeal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { golden.Check(t, "nft/"+tt.name, []byte(tt.got())) })
	}
}

func TestPlanAgentFallback(t *testing.T) {
	l := testLab(t, 4)
	part, err := PlanPartition(l, []string{"web_3"}, []string{"web_1", "web_4"}, ScopeAll, DefaultGossipPorts)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := PlanLoss(l, []string{"web_2"}, 30, ScopeAll, DefaultGossipPorts)
	if err != nil {
		t.Fatal(err)
	}
	delay, err := PlanDelay([]string{"web_1"}, 50e6)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, f := range append(append(part, loss...), delay...) {
		got[f.Node+" "+f.Agent[0]] = f.Agent
	}
	want := map[string][]string{
		"web_1 -partition": {"-partition", "web_3"},
		"web_3 -partition": {"-partition", "web_1,web_4"},
		"web_4 -partition": {"-partition", "web_3"},
		"web_2 -loss":      {"-loss", "0.3"},
		"web_1 -delay":     {"-delay", "50ms"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("agent flags (-want +got):\n%s", diff)
	}
	if delay[0].NFT != "" {
		t.Errorf("delay has an nft script; nftables cannot delay")
	}
	// Faults come out in lab order, whatever side they were planned from.
	var order []string
	for _, f := range part {
		order = append(order, f.Node)
	}
	if diff := cmp.Diff([]string{"web_1", "web_3", "web_4"}, order); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestPlanErrors(t *testing.T) {
	l := testLab(t, 4)
	tests := []struct {
		name string
		err  error
	}{
		{"overlapping sides", func() error {
			_, err := PlanPartition(l, []string{"web_1", "web_2"}, []string{"web_2"}, ScopeAll, DefaultGossipPorts)
			return err
		}()},
		{"loss over 100", func() error { _, err := PlanLoss(l, []string{"web_1"}, 120, ScopeAll, DefaultGossipPorts); return err }()},
		{"negative loss", func() error { _, err := PlanLoss(l, []string{"web_1"}, -1, ScopeAll, DefaultGossipPorts); return err }()},
		{"zero delay", func() error { _, err := PlanDelay([]string{"web_1"}, 0); return err }()},
		{"unknown node", func() error { _, err := PlanIsolate(l, []string{"db_1"}, ScopeAll, DefaultGossipPorts); return err }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		in   string
		want PortRange
		bad  bool
	}{
		{in: "7946", want: PortRange{7946, 7946}},
		{in: "7946-7950", want: PortRange{7946, 7950}},
		{in: "7950-7946", bad: true},
		{in: "0", bad: true},
		{in: "70000", bad: true},
		{in: "gossip", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePortRange(tt.in)
			if (err != nil) != tt.bad {
				t.Fatalf("err = %v, want bad=%v", err, tt.bad)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
