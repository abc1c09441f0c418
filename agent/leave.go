package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"time"

	"github.com/hashicorp/memberlist"
)

// leaveIntentTimeout bounds how long Leave waits for the members to
// acknowledge its leave intent before it leaves anyway.
const leaveIntentTimeout = 5 * time.Second

// Leave tells the cluster this agent is leaving and leaves gracefully:
// the others mark it leaving, then left. Call Shutdown afterwards.
//
// Why the intent, and why Leave waits for it to be acknowledged:
// memberlist's Leave broadcasts a dead message about this node, and
// memberlist v0.7.0 gives the observers' NotifyLeave a Node whose State
// is never set, so an observer cannot tell that message from a failure.
// The agent's own intent tells it apart: an observer that holds the
// member as leaving records left. But an observer whose packet handler
// lags (CPU load) takes queued messages newest first, so when the dead
// message was already queued behind the intent it recorded the member
// failed (and only then left, from the intent). So Leave now sends the
// intent to every member, resends it to those that have not answered,
// and calls memberlist's Leave only once each has acknowledged it (or
// is no longer alive, or leaveIntentTimeout passed): every member that
// answered holds this agent as leaving before the dead message exists.
func (a *Agent) Leave(ctx context.Context) error {
	a.mu.Lock()
	if a.state != stateRunning {
		s := a.state
		a.mu.Unlock()
		if s == stateLeaving || s == stateLeft {
			return nil
		}
		return errors.New("agent is not running")
	}
	a.state = stateLeaving
	if self := a.members[a.cfg.NodeName]; self != nil {
		self.Status, self.Since = StatusLeaving, time.Now()
	}
	ml := a.ml
	a.mu.Unlock()
	a.logger.Info("leaving the cluster")

	if ml.NumMembers() > 1 {
		// With a deadline, at most half of the time left, so that
		// memberlist's leave broadcast keeps the other half.
		wait := leaveIntentTimeout
		if dl, ok := ctx.Deadline(); ok {
			wait = min(wait, time.Until(dl)/2)
		}
		actx, cancel := context.WithTimeout(ctx, wait)
		a.announceLeave(actx, ml)
		cancel()
	}
	timeout := 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	a.mu.Lock()
	down := a.state == stateShutdown
	a.mu.Unlock()
	if down { // memberlist panics on a Leave after its Shutdown
		return errors.New("leave: the agent was shut down while leaving")
	}
	// memberlist waits for ever on a timeout of 0.
	err := ml.Leave(max(timeout, time.Millisecond))
	a.mu.Lock()
	a.state = stateLeft
	if self := a.members[a.cfg.NodeName]; self != nil {
		self.Status, self.Since = StatusLeft, time.Now()
	}
	a.mu.Unlock()
	if a.snap != nil {
		a.snap.markLeft()
	}
	if err != nil {
		return fmt.Errorf("leave: %w", err)
	}
	return nil
}

// announceLeave sends the leave intent directly to every alive member
// (asking each for an acknowledgement) and gossips it (for members this
// agent does not see alive), then waits until the gossip is done and
// every member acknowledged or stopped being alive, resending once per
// gossip interval, until ctx ends. (Resending as often as the intent is
// gossiped keeps a lost intent or acknowledgement from holding the leave
// back beyond the gossip's own few ticks: once per probe interval, 10%
// packet loss delayed a 10-node leave by 0.6 s against Serf's, which only
// gossips its intent.)
func (a *Agent) announceLeave(ctx context.Context, ml *memberlist.Memberlist) {
	acks := &leaveAcks{pending: map[string]bool{}, done: make(chan struct{})}
	for _, n := range ml.Members() {
		if n.Name != a.cfg.NodeName {
			acks.pending[n.Name] = true
		}
	}
	a.mu.Lock()
	a.leaveAcks = acks
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.leaveAcks = nil
		a.mu.Unlock()
	}()

	self := ml.LocalNode()
	addr, _ := netip.AddrFromSlice(self.Addr)
	direct := encodeLeaveIntent(leaveIntent{Node: a.cfg.NodeName, Boot: a.boot, Ack: true,
		Addr: netip.AddrPortFrom(addr.Unmap(), self.Port)})
	gossiped := make(chan struct{})
	a.queue.QueueBroadcast(&broadcast{
		key:    "intent:" + a.cfg.NodeName,
		msg:    encodeLeaveIntent(leaveIntent{Node: a.cfg.NodeName, Boot: a.boot}),
		notify: gossiped,
	})
	acked := a.sendIntent(ml, direct)
	resend := time.NewTicker(a.tuning.GossipInterval)
	defer resend.Stop()
	for acked != nil || gossiped != nil {
		select {
		case <-acked:
			acked = nil
		case <-gossiped:
			gossiped = nil
		case <-resend.C:
			if acked != nil {
				acked = a.sendIntent(ml, direct)
			}
		case <-a.shutdownCh:
			return
		case <-ctx.Done():
			a.logger.Warn("leaving without every member's acknowledgement of the leave intent; they may record this agent failed",
				"unacknowledged", a.unacked(), "gossip_done", gossiped == nil)
			return
		}
	}
}

// sendIntent sends msg to each alive member that has not acknowledged it,
// forgets those no longer alive (they cannot answer), and returns the
// channel closed once none is pending (nil when none is pending now).
func (a *Agent) sendIntent(ml *memberlist.Memberlist, msg []byte) <-chan struct{} {
	alive := ml.Members()
	a.mu.Lock()
	acks := a.leaveAcks
	var to []*memberlist.Node
	for _, n := range alive {
		if acks.pending[n.Name] {
			to = append(to, n)
		}
	}
	acks.keepOnly(to)
	done := acks.done
	a.mu.Unlock()
	for _, n := range to {
		_ = ml.SendBestEffort(n, msg)
	}
	if len(to) == 0 {
		return nil
	}
	return done
}

// leaveAcks tracks which members have yet to acknowledge this agent's
// leave intent; done is closed when none is left. Guarded by Agent.mu.
type leaveAcks struct {
	pending map[string]bool
	done    chan struct{}
}

func (l *leaveAcks) remove(name string) {
	if !l.pending[name] {
		return
	}
	delete(l.pending, name)
	if len(l.pending) == 0 {
		close(l.done)
	}
}

func (l *leaveAcks) keepOnly(alive []*memberlist.Node) {
	keep := make(map[string]bool, len(alive))
	for _, n := range alive {
		keep[n.Name] = true
	}
	for name := range l.pending {
		if !keep[name] {
			l.remove(name)
		}
	}
}

// unacked lists the members that have not acknowledged the leave intent.
func (a *Agent) unacked() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	if a.leaveAcks != nil {
		for name := range a.leaveAcks.pending {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// receiveLeaveAck records a member's acknowledgement of this run's leave
// intent.
func (a *Agent) receiveLeaveAck(ack leaveAck) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.leaveAcks != nil && ack.Node == a.cfg.NodeName && ack.Boot == a.boot {
		a.leaveAcks.remove(ack.From)
	}
}

// sendLeaveAck answers a leave intent that asked for it. It runs on
// memberlist's packet handler goroutine (NotifyMsg), where memberlist
// holds no lock; SendBestEffort given the node takes none either and
// only writes one UDP packet.
func (a *Agent) sendLeaveAck(ml *memberlist.Memberlist, to Member, l leaveIntent) {
	n := &memberlist.Node{
		Name: to.Name,
		Addr: net.IP(to.AddrPort.Addr().AsSlice()),
		Port: to.AddrPort.Port(),
		PMax: to.Protocol.Max,
	}
	msg := encodeLeaveAck(leaveAck{Node: l.Node, Boot: l.Boot, From: a.cfg.NodeName})
	if err := ml.SendBestEffort(n, msg); err != nil {
		a.logger.Debug("cannot acknowledge leave intent", "to", to.Name, "err", err)
	}
}
