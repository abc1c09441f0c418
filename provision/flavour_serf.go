package provision

import (
	"encoding/base64"
	"maps"
	"slices"
)

// serfSpec: a HashiCorp Serf binary the user supplies. It keeps no
// journal (chaos streams `serf monitor`), has no fault hook, runs its
// default profile (lan), and gets its settings as Serf's own flags, but
// for the gossip key: that goes in a config file readable by root only,
// not on the command line, where `ps` shows it to every user of the
// node.
func serfSpec() flavourSpec {
	return flavourSpec{
		profile:    "lan",
		constraint: ">= 0.8, < 0.11",
		config:     renderSerfConfig,
		args:       serfArgs,
		eventArgs: func(event, sender, nonce string) []string {
			// Not coalesced: Serf would hold the event back.
			return []string{"-coalesce=false", event, sender + " " + nonce}
		},
	}
}

// SerfConfig is the part of Serf's config that lab writes to a file.
type SerfConfig struct {
	EncryptKey string `json:"encrypt_key,omitempty"`
}

func renderSerfConfig(_ Layout, t Target, s AgentSettings, _ string) ([]byte, error) {
	var c SerfConfig
	if len(s.EncryptKey) > 0 {
		c.EncryptKey = base64.StdEncoding.EncodeToString(s.EncryptKey)
	}
	return marshalConfig(t, c)
}

func serfArgs(l Layout, t Target, s AgentSettings, iface string) []string {
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
	args = append(args, "-config-file="+l.Config())
	for _, k := range slices.Sorted(maps.Keys(t.Tags)) {
		args = append(args, "-tag="+k+"="+t.Tags[k])
	}
	return args
}
