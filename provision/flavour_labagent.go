package provision

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"time"
)

// labagentSpec: the bundled agent, with a journal and a fault hook,
// configured by a JSON file (the lab's gossip key among its settings,
// so the file is 0600).
func labagentSpec() flavourSpec {
	return flavourSpec{
		journal:   true,
		faultHook: true,
		bundled:   true,
		config:    RenderLabagentConfig,
		args: func(l Layout, _ Target, _ AgentSettings, _ string) []string {
			return []string{"agent", "-config-file", l.Config()}
		},
		eventArgs: func(event, _, _ string) []string { return []string{event} },
		waitArgs: func(n int, d time.Duration) []string {
			return []string{"members", "-format", "json", "-wait-alive", strconv.Itoa(n), "-wait-for", d.String()}
		},
	}
}

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
	return marshalConfig(t, c)
}

func marshalConfig(t Target, c any) ([]byte, error) {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render config of node %q: %w", t.Node(), err)
	}
	return append(b, '\n'), nil
}
