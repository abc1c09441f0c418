package hosts

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/gossiplab/gossiplab/internal/parallel"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/chaos"
)

// Footprint: the nodes are machines of their own; this host only talks
// to them.
func (p *Provider) Footprint(lab.Spec) lab.Footprint {
	return lab.Footprint{PerNodeMemory: false, OverheadMB: 0, Note: "the nodes are machines of their own"}
}

// probeScript prints, one per line and tagged, what the plan checks on a
// host: its kernel, the sockets listening (ss) and its addresses (ip).
const probeScript = `echo "uname $(uname -s)"
if command -v ss >/dev/null 2>&1; then ss -lntup 2>/dev/null | while IFS= read -r l; do echo "ss $l"; done; else echo "nocmd ss"; fi
if command -v ip >/dev/null 2>&1; then ip -o addr show 2>/dev/null | while IFS= read -r l; do echo "ip $l"; done; else echo "nocmd ip"; fi
`

// probe is what the plan learnt of one host.
type probe struct {
	node  string
	labIP netip.Addr
	err   error // unreachable
	facts hostFacts
}

// PlanChecks reach every host over SSH (pinning host keys as lab up
// does) and check that it runs Linux, that nothing but a gossip agent
// holds the gossip port on its lab IP, and that it has its lab IP.
func (p *Provider) PlanChecks(ctx context.Context, spec lab.Spec, facts lab.HostFacts) []lab.Check {
	r := p.reacher(facts.Dir, spec.Hosts)
	probes := make([]probe, len(spec.Hosts))
	parallel.Each(ctx, len(spec.Hosts), p.opts.Parallel, func(ctx context.Context, i int) error {
		h := spec.Hosts[i]
		probes[i] = probe{node: h.Name, labIP: h.LabIP}
		m, err := r.dial(ctx, h.Name, p.opts.ReachTimeout)
		if err != nil {
			probes[i].err = err
			return nil
		}
		defer m.close()
		out, err := m.run(ctx, probeScript)
		if err != nil {
			probes[i].err = err
			return nil
		}
		probes[i].facts = parseProbe(out)
		return nil
	})
	return []lab.Check{sshCheck(probes), portCheck(probes, chaos.DefaultGossipPorts.Lo), labIPCheck(probes)}
}

// hostFacts are a probe's findings.
type hostFacts struct {
	kernel  string
	noSS    bool
	noIP    bool
	sockets []socket
	addrs   []netip.Addr
}

// socket is a listening socket as ss shows it.
type socket struct {
	proto   string // tcp or udp
	addr    string // the local address: an IP, or * for any
	port    int
	process string // who holds it, when ss could tell
	pid     int
}

var (
	ssUserRE = regexp.MustCompile(`\("([^"]+)",pid=(\d+)`)
	ipInetRE = regexp.MustCompile(`\binet6? ([0-9a-fA-F.:]+)/\d+`)
)

// parseProbe reads probeScript's output.
func parseProbe(out string) hostFacts {
	var f hostFacts
	for _, line := range strings.Split(out, "\n") {
		tag, rest, _ := strings.Cut(line, " ")
		switch tag {
		case "uname":
			f.kernel = strings.TrimSpace(rest)
		case "nocmd":
			f.noSS = f.noSS || rest == "ss"
			f.noIP = f.noIP || rest == "ip"
		case "ss":
			if s, ok := parseSocket(rest); ok {
				f.sockets = append(f.sockets, s)
			}
		case "ip":
			if m := ipInetRE.FindStringSubmatch(rest); m != nil {
				if a, err := netip.ParseAddr(m[1]); err == nil {
					f.addrs = append(f.addrs, a)
				}
			}
		}
	}
	return f
}

// parseSocket reads a line of `ss -lntup`: Netid State Recv-Q Send-Q
// Local:Port Peer:Port [Process].
func parseSocket(line string) (socket, bool) {
	fields := strings.Fields(line)
	if len(fields) < 6 || (fields[0] != "tcp" && fields[0] != "udp") {
		return socket{}, false // the header, or another kind
	}
	local := fields[4]
	i := strings.LastIndexByte(local, ':')
	if i < 0 {
		return socket{}, false
	}
	port, err := strconv.Atoi(local[i+1:])
	if err != nil {
		return socket{}, false
	}
	host := strings.Trim(local[:i], "[]")
	if j := strings.IndexByte(host, '%'); j >= 0 {
		host = host[:j] // 10.0.0.5%eth1
	}
	s := socket{proto: fields[0], addr: host, port: port}
	if m := ssUserRE.FindStringSubmatch(strings.Join(fields[6:], " ")); m != nil {
		s.process = m[1]
		s.pid, _ = strconv.Atoi(m[2])
	}
	return s, true
}

// covers reports whether a socket bound to addr takes packets for ip.
func (s socket) covers(ip netip.Addr) bool {
	switch s.addr {
	case "*", "0.0.0.0", "::":
		return true
	}
	a, err := netip.ParseAddr(s.addr)
	return err == nil && a.Unmap() == ip
}

func (s socket) String() string {
	holder := "a process ss cannot name"
	if s.process != "" {
		holder = fmt.Sprintf("%s (pid %d)", s.process, s.pid)
	}
	return fmt.Sprintf("%s %s held by %s", s.proto, net.JoinHostPort(s.addr, strconv.Itoa(s.port)), holder)
}

// agentProcess reports whether a process is a gossip agent lab installs.
func agentProcess(name string) bool { return name == "labagent" || name == "serf" }

func sshCheck(probes []probe) lab.Check {
	var bad []string
	for _, pr := range probes {
		switch {
		case pr.err != nil:
			bad = append(bad, pr.node+": "+shortErr(pr.err))
		case pr.facts.kernel != "Linux":
			bad = append(bad, fmt.Sprintf("%s runs %s, not Linux", pr.node, pr.facts.kernel))
		}
	}
	c := lab.Check{Name: "ssh", OK: len(bad) == 0, Detail: fmt.Sprintf("%d of %d hosts answer and run Linux", len(probes)-len(bad), len(probes))}
	if !c.OK {
		c.Detail += ": " + shorten(bad, 3)
		c.Fix = "check ansible_host, ansible_port, ansible_user and the key in the inventory (lab status shows each host)"
	}
	return c
}

func portCheck(probes []probe, port int) lab.Check {
	var busy, agents, unchecked []string
	for _, pr := range probes {
		if pr.err != nil || pr.facts.noSS {
			unchecked = append(unchecked, pr.node)
			continue
		}
		for _, s := range pr.facts.sockets {
			if s.port != port || !s.covers(pr.labIP) {
				continue
			}
			if agentProcess(s.process) {
				agents = append(agents, pr.node)
			} else {
				busy = append(busy, pr.node+": "+s.String())
			}
		}
	}
	c := lab.Check{Name: "gossip port", OK: len(busy) == 0, Detail: fmt.Sprintf("%d (TCP and UDP) free on the lab IPs", port)}
	if len(agents) > 0 {
		c.Detail += fmt.Sprintf(", or held by a gossip agent (%s)", lab.Summarize(dedup(agents)))
	}
	if len(unchecked) > 0 {
		c.Detail += fmt.Sprintf("; not checked on %s (unreachable, or no ss)", lab.Summarize(unchecked))
	}
	if !c.OK {
		c.Detail = fmt.Sprintf("%d in use: %s", port, shorten(busy, 3))
		c.Fix = fmt.Sprintf("stop what holds port %d on those hosts: the agent binds it on the lab IP", port)
	}
	return c
}

func labIPCheck(probes []probe) lab.Check {
	var missing, unchecked []string
	for _, pr := range probes {
		if pr.err != nil || pr.facts.noIP {
			unchecked = append(unchecked, pr.node)
			continue
		}
		has := false
		for _, a := range pr.facts.addrs {
			has = has || a == pr.labIP
		}
		if !has {
			missing = append(missing, fmt.Sprintf("%s lacks %v", pr.node, pr.labIP))
		}
	}
	c := lab.Check{Name: "lab IPs", OK: len(missing) == 0, Detail: "every host has its lab IP"}
	if len(unchecked) > 0 {
		c.Detail += fmt.Sprintf("; not checked on %s (unreachable, or no ip)", lab.Summarize(unchecked))
	}
	if !c.OK {
		c.Detail = shorten(missing, 3)
		c.Fix = "set lab_ip to an address the host has (ip -4 addr shows them): the agent binds it"
	}
	return c
}

func dedup(names []string) []string {
	var out []string
	for _, n := range names {
		if len(out) == 0 || out[len(out)-1] != n {
			out = append(out, n)
		}
	}
	return out
}

func shorten(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:n], "; ") + fmt.Sprintf("; and %d more", len(items)-n)
}
