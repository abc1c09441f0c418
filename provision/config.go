package provision

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"slices"
)

// Flavour is which agent is installed.
type Flavour string

// Agent flavours.
const (
	// FlavourLabagent is the bundled labagent, configured by a JSON file.
	FlavourLabagent Flavour = "labagent"
	// FlavourSerf is a HashiCorp Serf binary the user supplies, configured
	// by Serf's own flags on its command line.
	FlavourSerf Flavour = "serf"
)

// ParseFlavour checks a --agent value.
func ParseFlavour(s string) (Flavour, error) {
	switch Flavour(s) {
	case FlavourLabagent, FlavourSerf:
		return Flavour(s), nil
	}
	return "", fmt.Errorf("unknown agent %q\nhint: use labagent (bundled) or serf (with --agent-binary PATH)", s)
}

// AgentSettings are the agent settings shared by every node of a lab.
type AgentSettings struct {
	Profile string // lan, wan or local (labagent only)
	// EncryptKey is the gossip key (32 bytes), nil for none.
	EncryptKey []byte
	// Discover, when set, finds peers with mDNS under this cluster name
	// instead of joining seeds.
	Discover      string
	EventHandlers []string // "[filter=]script" (labagent only)
	RPCAddr       string   // default 127.0.0.1:7373
}

// Target is one node to provision.
type Target struct {
	Endpoint Endpoint
	// IP is the node's lab IP: the agent binds to and advertises it, on
	// whichever interface holds it (eth1, enp0s8, ...).
	IP string
	// Join lists the seeds' IPs the agent joins (the node itself left
	// out); empty with Discover.
	Join []string
	Tags map[string]string
}

// Node is the target's name.
func (t Target) Node() string { return t.Endpoint.Node }

// LabagentConfig is labagent's JSON config file (agent.FileConfig's keys;
// unknown keys are rejected by the agent, so this must match it).
type LabagentConfig struct {
	NodeName         string            `json:"node_name"`
	Bind             string            `json:"bind"`
	Advertise        string            `json:"advertise"`
	Interface        string            `json:"interface,omitempty"`
	RetryJoin        []string          `json:"retry_join,omitempty"`
	RetryInterval    string            `json:"retry_interval,omitempty"`
	Discover         string            `json:"discover,omitempty"`
	EncryptKey       string            `json:"encrypt_key,omitempty"`
	Tags             map[string]string `json:"tags,omitempty"`
	Profile          string            `json:"profile,omitempty"`
	SnapshotPath     string            `json:"snapshot_path"`
	Rejoin           bool              `json:"rejoin_after_leave"`
	EventHandlers    []string          `json:"event_handlers,omitempty"`
	RPCAddr          string            `json:"rpc_addr"`
	LeaveOnTerminate bool              `json:"leave_on_terminate"`
}

const defaultRPCAddr = "127.0.0.1:7373"

func (s AgentSettings) rpcAddr() string {
	if s.RPCAddr == "" {
		return defaultRPCAddr
	}
	return s.RPCAddr
}

// RenderLabagentConfig renders the node's labagent config: deterministic
// (sorted keys, stable order), indented, with a final newline. Seeds are
// joined in the background every 2 s until one answers, so that nodes
// provisioned in parallel need no start order. iface is the interface
// that holds the lab IP (from Facts): with mDNS discovery the agent
// queries on it (a node without a default route has no multicast route);
// the agent still binds to the IP.
func RenderLabagentConfig(l Layout, t Target, s AgentSettings, iface string) ([]byte, error) {
	if net.ParseIP(t.IP) == nil {
		return nil, fmt.Errorf("node %q: lab IP %q is not an IP address", t.Node(), t.IP)
	}
	c := LabagentConfig{
		NodeName:      t.Node(),
		Bind:          t.IP,
		Advertise:     t.IP,
		RetryJoin:     t.Join,
		Discover:      s.Discover,
		Tags:          t.Tags,
		Profile:       s.Profile,
		SnapshotPath:  l.Snapshot(),
		Rejoin:        true,
		EventHandlers: s.EventHandlers,
		RPCAddr:       s.rpcAddr(),
		// Serf's default: SIGTERM, as a shutting-down node's processes
		// get, does not leave, so a halted node is seen failed, as in the
		// classic `vagrant halt` experiment. A graceful leave is
		// `labagent leave` (lab chaos stop-agent) or SIGINT.
		LeaveOnTerminate: false,
	}
	if len(t.Join) > 0 {
		c.RetryInterval = "2s"
	}
	if s.Discover != "" {
		c.Interface = iface
	}
	if len(s.EncryptKey) > 0 {
		c.EncryptKey = base64.StdEncoding.EncodeToString(s.EncryptKey)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render config of node %q: %w", t.Node(), err)
	}
	return append(b, '\n'), nil
}

// AgentArgs is the agent's command line after the binary: labagent reads
// its config file; serf gets Serf's own flags (-iface iface with mDNS,
// as in RenderLabagentConfig).
func AgentArgs(f Flavour, l Layout, t Target, s AgentSettings, iface string) []string {
	if f == FlavourLabagent {
		return []string{"agent", "-config-file", l.Config()}
	}
	args := []string{"agent", "-node=" + t.Node(), "-bind=" + t.IP, "-advertise=" + t.IP, "-rpc-addr=" + s.rpcAddr(), "-snapshot=" + l.Snapshot(), "-rejoin"}
	for _, j := range t.Join {
		args = append(args, "-retry-join="+j)
	}
	if len(t.Join) > 0 {
		args = append(args, "-retry-interval=2s")
	}
	if s.Discover != "" {
		args = append(args, "-discover="+s.Discover)
		if iface != "" {
			args = append(args, "-iface="+iface)
		}
	}
	if len(s.EncryptKey) > 0 {
		args = append(args, "-encrypt="+base64.StdEncoding.EncodeToString(s.EncryptKey))
	}
	for _, k := range slices.Sorted(maps.Keys(t.Tags)) {
		args = append(args, "-tag="+k+"="+t.Tags[k])
	}
	return args
}
