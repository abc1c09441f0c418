package lab

import (
	"context"
	"fmt"
	"strings"
)

// HostReserveMB is the memory the planner leaves to the host itself.
const HostReserveMB = 2048

// defaultFootprint is a VM's, for a provider that does not say.
var defaultFootprint = Footprint{PerNodeMemory: true, OverheadMB: 64}

// footprintOf is what one node of spec costs on prov.
func footprintOf(spec Spec, prov Planner) Footprint {
	if prov == nil {
		return defaultFootprint
	}
	return prov.Footprint(spec)
}

// NodeCostMB is the host memory one node takes.
func (f Footprint) NodeCostMB(spec Spec) int {
	if f.PerNodeMemory {
		return spec.MemoryMB + f.OverheadMB
	}
	return f.OverheadMB
}

// HostFacts are what the planner needs to know about the host; tests
// inject them, GatherHostFacts reads the real ones.
type HostFacts struct {
	OS             string // runtime.GOOS
	MemAvailableMB int    // 0: unknown
	CPUs           int    // logical CPUs; 0: unknown
	// PortFree reports whether a TCP port can be bound on 127.0.0.1.
	PortFree func(port int) bool
	// LabPorts are ports this lab's own running nodes hold; they count as
	// free.
	LabPorts map[int]bool
	// Dir is the lab's directory (its pinned host keys), for provider
	// checks that reach the nodes.
	Dir string
}

// Check is one row of a plan.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// PlanReport is the planner's verdict.
type PlanReport struct {
	Lab         string    `json:"lab"`
	Provider    string    `json:"provider"`
	Nodes       int       `json:"nodes"`
	MemoryMB    int       `json:"memory_mb"`
	Footprint   Footprint `json:"footprint"`
	NodeCostMB  int       `json:"node_cost_mb"`
	NeedMB      int       `json:"need_mb"`
	AvailableMB int       `json:"available_mb"` // after the host's reserve; 0 when unknown
	MaxNodes    int       `json:"max_nodes"`    // the largest N that fits, all checks considered
	Fits        bool      `json:"fits"`
	Checks      []Check   `json:"checks"`
	Hint        string    `json:"hint,omitempty"`
	// Listed: the nodes are machines that exist (Spec.Listed).
	Listed bool `json:"listed,omitempty"`
}

// Plan checks that spec (valid) fits the host described by facts, with
// the footprint and the checks of its provider prov (nil: a VM's
// footprint, no checks of its own).
func Plan(ctx context.Context, spec Spec, facts HostFacts, prov Planner) PlanReport {
	nodes := spec.ResolveNodes()
	fp := footprintOf(spec, prov)
	r := PlanReport{Lab: spec.Name, Provider: spec.Provider, Nodes: spec.Nodes, MemoryMB: spec.MemoryMB,
		Footprint: fp, NodeCostMB: fp.NodeCostMB(spec), Fits: true, Listed: spec.Listed()}
	r.NeedMB = r.NodeCostMB * spec.Nodes
	limits := []int{MaxNodes}
	add := func(c Check) {
		r.Checks = append(r.Checks, c)
		if !c.OK {
			r.Fits = false
		}
	}

	// Memory.
	switch {
	case r.NodeCostMB == 0:
		r.Checks = append(r.Checks, Check{Name: "memory", OK: true, Detail: "none needed on this host: " + fp.Note})
	case facts.MemAvailableMB > 0:
		r.AvailableMB = max(0, facts.MemAvailableMB-HostReserveMB)
		fit := r.AvailableMB / r.NodeCostMB
		limits = append(limits, fit)
		c := Check{Name: "memory", OK: r.NeedMB <= r.AvailableMB,
			Detail: fmt.Sprintf("%d nodes x %s = %s needed, %s available (%s free, %s kept for the host)",
				spec.Nodes, costWords(spec, fp), gb(r.NeedMB), gb(r.AvailableMB), gb(facts.MemAvailableMB), gb(HostReserveMB))}
		if !c.OK {
			c.Fix = fmt.Sprintf("at most %d nodes fit: use --nodes %d", fit, fit)
			if fp.PerNodeMemory {
				if mem := r.AvailableMB/spec.Nodes - fp.OverheadMB; mem >= 128 {
					c.Fix += fmt.Sprintf(", or --memory %d to run %d nodes", mem, spec.Nodes)
				}
			}
		}
		add(c)
	default:
		r.Checks = append(r.Checks, Check{Name: "memory", OK: true, Detail: fmt.Sprintf("%s needed; this host's free memory is unknown, not checked", gb(r.NeedMB))})
	}
	if fit, ok := planCPU(spec.Nodes, fp.CPU, facts.CPUs, add); ok {
		limits = append(limits, fit)
	}
	if spec.Listed() {
		// The nodes exist: no ports or addresses to hand out, and no more
		// nodes than listed.
		limits = append(limits, spec.Nodes)
	} else {
		limits = append(limits, planAddressing(spec, nodes, facts, add)...)
	}

	// The provider's own (VirtualBox's host-only ranges).
	if prov != nil {
		for _, c := range prov.PlanChecks(ctx, spec, facts) {
			add(c)
		}
	}

	// Hostnames, which lab gives the nodes it makes.
	if !spec.Listed() {
		hc := Check{Name: "hostnames", OK: true, Detail: fmt.Sprintf("%s .. %s are valid", nodes[0].Hostname, nodes[len(nodes)-1].Hostname)}
		for _, n := range nodes {
			if !validHostname(n.Hostname) {
				hc = Check{Name: "hostnames", OK: false, Detail: fmt.Sprintf("%q is not a valid hostname", n.Hostname), Fix: "use a prefix of lowercase letters and digits"}
				break
			}
		}
		add(hc)
	}

	r.MaxNodes = limits[0]
	for _, l := range limits {
		r.MaxNodes = min(r.MaxNodes, l)
	}
	if !r.Fits {
		var fixes []string
		for _, c := range r.Checks {
			if !c.OK && c.Fix != "" {
				fixes = append(fixes, c.Fix)
			}
		}
		r.Hint = strings.Join(fixes, "; ")
	}
	return r
}

// planAddressing checks what a lab that is not listed hands out: SSH
// ports in range and free on 127.0.0.1, and addresses in its subnet. It
// returns the node counts each allows.
func planAddressing(spec Spec, nodes []Node, facts HostFacts, add func(Check)) []int {
	// SSH ports: in range, and free on 127.0.0.1.
	first, last := spec.SSHPortBase, spec.SSHPortBase+spec.Nodes-1
	limits := []int{maxPort - first + 1}
	if facts.PortFree != nil {
		var busy []string
		freeRun := 0
		counting := true
		for _, n := range nodes {
			free := facts.LabPorts[n.SSHPort] || facts.PortFree(n.SSHPort)
			if !free {
				busy = append(busy, fmt.Sprintf("%d (%s)", n.SSHPort, n.Name))
				counting = false
			} else if counting {
				freeRun++
			}
		}
		c := Check{Name: "ssh ports", OK: len(busy) == 0, Detail: fmt.Sprintf("%d..%d free on 127.0.0.1", first, last)}
		if !c.OK {
			limits = append(limits, freeRun)
			c.Detail = fmt.Sprintf("%d of %d..%d in use on 127.0.0.1: %s", len(busy), first, last, shorten(busy, 5))
			c.Fix = "choose a free range with --ssh-port-base (ssh_port_base in lab.hcl), or stop what holds those ports"
		}
		add(c)
	}
	add(Check{Name: "port range", OK: first >= minPort && last <= maxPort,
		Detail: fmt.Sprintf("%d..%d within %d..%d", first, last, minPort, maxPort)})

	// Subnet.
	capacity := SubnetCapacity(spec.Subnet, spec.FirstHost)
	limits = append(limits, capacity)
	add(Check{Name: "subnet", OK: spec.Nodes <= capacity,
		Detail: fmt.Sprintf("%v from host .%d holds %d nodes (%v .. %v)", spec.Subnet, spec.FirstHost, capacity, nodes[0].IP, nodes[len(nodes)-1].IP)})
	return limits
}

func costWords(spec Spec, f Footprint) string {
	if f.PerNodeMemory {
		return fmt.Sprintf("(%d + %d) MB", spec.MemoryMB, f.OverheadMB)
	}
	return fmt.Sprintf("%d MB", f.OverheadMB)
}

func validHostname(h string) bool {
	if len(h) == 0 || len(h) > maxHostname || h[0] == '-' || h[len(h)-1] == '-' {
		return false
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func gb(mb int) string {
	if mb >= 1024 {
		return fmt.Sprintf("%.1f GB", float64(mb)/1024)
	}
	return fmt.Sprintf("%d MB", mb)
}

func shorten(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}
