package provision

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

const defaultRPCAddr = "127.0.0.1:7373"

func (s AgentSettings) rpcAddr() string {
	if s.RPCAddr == "" {
		return defaultRPCAddr
	}
	return s.RPCAddr
}
