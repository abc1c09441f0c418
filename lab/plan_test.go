package lab

import (
	"context"
	"strings"
	"testing"
)

func facts(memMB int, busy ...int) HostFacts {
	b := map[int]bool{}
	for _, p := range busy {
		b[p] = true
	}
	return HostFacts{OS: "linux", MemAvailableMB: memMB, PortFree: func(p int) bool { return !b[p] }}
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name     string
		apply    func(*Spec)
		facts    HostFacts
		fits     bool
		maxNodes int
		failing  string // name of the failing check
		hint     string
	}{
		{
			name:  "52 x 1024 MB on 24 GB",
			apply: func(s *Spec) { s.Nodes, s.MemoryMB = 52, 1024 },
			facts: facts(23 * 1024), fits: false, maxNodes: (23*1024 - HostReserveMB) / 1088,
			failing: "memory", hint: "use --nodes 19, or --memory 349",
		},
		{
			name:  "52 x 256 MB on 24 GB",
			apply: func(s *Spec) { s.Nodes, s.MemoryMB = 52, 256 },
			facts: facts(23 * 1024), fits: true, maxNodes: (23*1024 - HostReserveMB) / 320,
		},
		{
			name:  "52 x 512 MB on a 32 GB desktop with 29 GB free",
			apply: func(s *Spec) { s.Nodes, s.MemoryMB = 52, 512 },
			facts: facts(29 * 1024), fits: false, maxNodes: 27 * 1024 / 576, failing: "memory",
		},
		{
			name:  "netns ignores the memory setting",
			apply: func(s *Spec) { s.Provider, s.Nodes, s.MemoryMB = ProviderNetns, 250, 4096 },
			facts: facts(23 * 1024), fits: true, maxNodes: (23*1024 - HostReserveMB) / 24,
		},
		{
			name:  "busy port",
			apply: func(s *Spec) { s.Nodes = 10 },
			facts: facts(23*1024, 2305), fits: false, maxNodes: 5, failing: "ssh ports", hint: "--ssh-port-base",
		},
		{
			name:  "busy port held by this lab's running node",
			apply: func(s *Spec) { s.Nodes = 10 },
			facts: func() HostFacts { f := facts(23*1024, 2305); f.LabPorts = map[int]bool{2305: true}; return f }(),
			fits:  true, maxNodes: (23*1024 - HostReserveMB) / 576,
		},
		{
			name:  "unknown memory is not a failure",
			apply: func(s *Spec) { s.Nodes = 52 },
			facts: facts(0), fits: true, maxNodes: 2036, // the subnet's capacity
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSpec()
			tt.apply(&s)
			if errs := s.Validate(); len(errs) > 0 {
				t.Fatalf("invalid spec: %v", errs)
			}
			r := Plan(context.Background(), s, tt.facts, testPlanner{})
			if r.Fits != tt.fits {
				t.Errorf("fits = %v, want %v; checks %+v", r.Fits, tt.fits, r.Checks)
			}
			if r.MaxNodes != tt.maxNodes {
				t.Errorf("max nodes = %d, want %d", r.MaxNodes, tt.maxNodes)
			}
			for _, c := range r.Checks {
				if !c.OK && c.Name != tt.failing {
					t.Errorf("check %q failed: %s", c.Name, c.Detail)
				}
			}
			if !strings.Contains(r.Hint, tt.hint) {
				t.Errorf("hint %q lacks %q", r.Hint, tt.hint)
			}
		})
	}
}

// testPlanner has the footprints of the providers: a VM's, a netns
// node's.
type testPlanner struct{}

func (testPlanner) Footprint(s Spec) Footprint {
	if s.Provider == ProviderNetns {
		return Footprint{OverheadMB: 24}
	}
	return Footprint{PerNodeMemory: true, OverheadMB: 64}
}

func (testPlanner) PlanChecks(context.Context, Spec, HostFacts) []Check { return nil }
