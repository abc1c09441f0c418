package lab

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNodeCPUMaxNodes(t *testing.T) {
	netns := NodeCPU{BaseMs: 0.7, PerPeerUs: 15, Budget: 1}
	tests := []struct {
		name string
		cpu  NodeCPU
		cpus int
		want int
	}{
		{"flat cost", NodeCPU{BaseMs: 2, Budget: 0.5}, 2, 500},
		{"growing cost, 2 CPUs", netns, 2, 343},
		{"growing cost, 8 CPUs", netns, 8, 707},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cpu.MaxNodes(tt.cpus)
			if got != tt.want {
				t.Errorf("MaxNodes(%d) = %d, want %d", tt.cpus, got, tt.want)
			}
			budget := tt.cpu.Budget * float64(tt.cpus) * 1000
			if tt.cpu.LabMs(got) > budget || tt.cpu.LabMs(got+1) <= budget {
				t.Errorf("%d is not the largest lab within %.0f ms/s", got, budget)
			}
		})
	}
}

func TestPlanCPU(t *testing.T) {
	netns := NodeCPU{BaseMs: 0.7, PerPeerUs: 15, Budget: 1}
	tests := []struct {
		name   string
		nodes  int
		cpus   int
		cpu    NodeCPU
		want   []Check
		fit    int
		wantOK bool
	}{
		{"no figures", 500, 2, NodeCPU{}, nil, 0, false},
		{"fits", 250, 2, netns, []Check{{Name: "cpu", OK: true,
			Detail: "250 idle nodes x 4.4 ms/s = 1.11 CPUs, 55% of 2 (at most 100% keeps failure detection within its bounds)"}}, 343, true},
		{"too many", 500, 2, netns, []Check{{Name: "cpu", OK: false,
			Detail: "500 idle nodes x 8.2 ms/s = 4.09 CPUs, 205% of 2 (at most 100% keeps failure detection within its bounds)",
			Fix:    "at most 343 nodes fit these CPUs: use --nodes 343, or a host with 5 CPUs for 500 nodes"}}, 343, true},
		{"unknown CPUs", 10, 0, netns, []Check{{Name: "cpu", OK: true,
			Detail: "idle agents need about 0.01 CPUs; this host's CPUs are unknown, not checked"}}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Check
			fit, ok := planCPU(tt.nodes, tt.cpu, tt.cpus, func(c Check) { got = append(got, c) })
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("checks (-want +got):\n%s", diff)
			}
			if fit != tt.fit || ok != tt.wantOK {
				t.Errorf("fit, ok = %d, %v, want %d, %v", fit, ok, tt.fit, tt.wantOK)
			}
		})
	}
}
