package agent

import (
	"net/netip"
	"sync"
)

// StallPacketHandler makes this agent's memberlist packet handler stop at
// the next user event it receives, as a CPU-starved agent's would, until
// release is called. Meanwhile memberlist keeps reading packets and
// queueing alive, dead, suspect and user messages for the handler; it
// takes them newest first once released. Only user events stop (nothing
// else takes the lock held here): probes are still answered.
func (a *Agent) StallPacketHandler() (release func()) {
	a.events.mu.Lock()
	var once sync.Once
	return func() { once.Do(a.events.mu.Unlock) }
}

// ReceiveDirectLeaveIntent hands the agent a leave intent as the leaver
// sends it directly (asking for an acknowledgement at addr).
func (a *Agent) ReceiveDirectLeaveIntent(node string, boot int64, addr netip.AddrPort) {
	a.receiveLeaveIntent(leaveIntent{Node: node, Boot: boot, Ack: true, Addr: addr})
}

// DecodeLeaveAck decodes a leave acknowledgement: leaver, its run, sender.
func DecodeLeaveAck(b []byte) (node string, boot int64, from string, err error) {
	k, err := decodeLeaveAck(b)
	return k.Node, k.Boot, k.From, err
}

// PushPullState is what this agent sends in a push/pull.
func (a *Agent) PushPullState(join bool) []byte { return (&delegate{a}).LocalState(join) }

// MergePushPull hands the agent another's push/pull state.
func (a *Agent) MergePushPull(buf []byte, join bool) { (&delegate{a}).MergeRemoteState(buf, join) }

// RPCConns is the number of connections the RPC server holds open.
func (a *Agent) RPCConns() int {
	a.rpc.mu.Lock()
	defer a.rpc.mu.Unlock()
	return len(a.rpc.conns)
}
