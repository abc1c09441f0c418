package agent

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/memberlist"

	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// MemberStatus is a member's state as in Serf: the Status of rpc.Member,
// as `labagent members` prints it.
type MemberStatus = string

// The member states. leaving is set when a member announced it is about
// to leave; it becomes left once memberlist sees it go.
const (
	StatusAlive   MemberStatus = "alive"
	StatusLeaving MemberStatus = "leaving"
	StatusLeft    MemberStatus = "left"
	StatusFailed  MemberStatus = "failed"
)

// Member is one node as this agent sees it: the wire form that
// `labagent members` lists (name, "ip:port", port, tags, status, since
// when this agent last changed the status, and the protocol versions
// memberlist reports for memberlist's protocol and for the agent's own
// messages), and its address parsed.
type Member struct {
	rpc.Member
	// AddrPort is the member's gossip address: Member.Addr and Port as
	// one value.
	AddrPort netip.AddrPort
}

// newMember is the member name at addr.
func newMember(name string, addr netip.AddrPort) Member {
	return Member{Member: rpc.Member{Name: name, Addr: addr.String(), Port: addr.Port()}, AddrPort: addr}
}

// memberState is the table's record of a member.
type memberState struct {
	Member
	boot int64 // the member's boot id (from its meta), to match leave intents
	// intent: this run of the member announced its graceful leave (its
	// leave intent, or another agent's word that it left, arrived). A run
	// never takes its leave back, so it holds until the member is reaped
	// or comes back as a new run.
	intent bool
}

func (s *memberState) copyOut() Member {
	m := s.Member
	m.Tags = make(map[string]string, len(s.Tags))
	for k, v := range s.Tags {
		m.Tags[k] = v
	}
	return m
}

// addrPort converts memberlist's net.IP and port without allocating.
func addrPort(ip net.IP, port uint16) netip.AddrPort {
	a, _ := netip.AddrFromSlice(ip)
	return netip.AddrPortFrom(a.Unmap(), port)
}

func memberFromNode(n *memberlist.Node) (memberState, error) {
	tags, boot, err := decodeMeta(n.Meta)
	m := newMember(n.Name, addrPort(n.Addr, n.Port))
	m.Tags = tags
	m.Protocol = rpc.Versions{Min: n.PMin, Max: n.PMax, Version: n.PCur}
	m.Delegate = rpc.Versions{Min: n.DMin, Max: n.DMax, Version: n.DCur}
	return memberState{Member: m, boot: boot}, err
}

// Node meta: "boot\x00" then "key\x00value\x00" pairs, keys sorted.
// memberlist limits it to 512 bytes.
func encodeMeta(boot int64, tags map[string]string) ([]byte, error) {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := strconv.AppendInt(nil, boot, 10)
	b = append(b, 0)
	for _, k := range keys {
		if strings.ContainsRune(k, 0) || strings.ContainsRune(tags[k], 0) {
			return nil, fmt.Errorf("tag %q contains a NUL byte", k)
		}
		b = append(b, k...)
		b = append(b, 0)
		b = append(b, tags[k]...)
		b = append(b, 0)
	}
	if len(b) > memberlist.MetaMaxSize {
		return nil, hint.Errorf("use fewer or shorter tags", "tags take %d bytes encoded, more than memberlist's limit of %d", len(b), memberlist.MetaMaxSize)
	}
	return b, nil
}

func decodeMeta(b []byte) (map[string]string, int64, error) {
	tags := map[string]string{}
	if len(b) == 0 {
		return tags, 0, nil
	}
	parts := strings.Split(string(b), "\x00")
	if len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	boot, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || len(parts)%2 != 1 {
		return tags, 0, fmt.Errorf("malformed member metadata (not a labagent?)")
	}
	for i := 1; i+1 < len(parts); i += 2 {
		tags[parts[i]] = parts[i+1]
	}
	return tags, boot, nil
}

// FormatTags renders tags as "k=v,k2=v2", keys sorted (the form of
// `members` and of handler stdin).
func FormatTags(tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	for i, k := range keys {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(k)
		sb.WriteByte('=')
		sb.WriteString(tags[k])
	}
	return sb.String()
}
