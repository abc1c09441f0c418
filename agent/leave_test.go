package agent_test

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/agenttest"
)

// firstGone returns the first member-leave or member-failed entry about
// node in observer's journal after seq (0 when there is none).
func firstGone(observer *agent.Agent, node string, seq uint64) agent.EntryType {
	for _, e := range observer.Journal().Since(seq) {
		if e.Node == node && (e.Type == agent.EntryMemberLeave || e.Type == agent.EntryMemberFailed) {
			return e.Type
		}
	}
	return 0
}

// TestLeaveWhileObserverLags reproduces the race the chaos runs hit under
// CPU load: an observer whose packet handler lags takes the leaver's own
// dead message (memberlist's "I left", Node == From) before the agent's
// leave intent, because memberlist's handoff queue is processed newest
// first. The observer must still record member-leave, never
// member-failed.
func TestLeaveWhileObserverLags(t *testing.T) {
	ctx := t.Context()
	c := agenttest.NewCluster(t, ctx, 4, agenttest.Options{})
	c.WaitConverged(t, waitLong)
	sender, lagger, other, leaver := c.Agents[0], c.Agents[1], c.Agents[2], c.Agents[3]
	seq := lagger.Journal().LastSeq()

	release := lagger.StallPacketHandler()
	defer release()
	// Park the lagger's packet handler on a user event. The sender gossips
	// to every member each round, so once the others have the event the
	// lagger has received it too.
	if err := sender.UserEvent("stall", nil, false); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitEntry(t, waitLong, []*agent.Agent{other, leaver}, agent.EntryUser, sender.Name())

	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	left := make(chan error, 1)
	go func() { left <- leaver.Leave(lctx) }()
	// The lagger lags by up to a second (less than the leaver's bound on
	// waiting for acknowledgements): it is released once the others, not
	// lagging, see the leave (it has then queued the intent and, after it,
	// the dead messages) or after that second.
	lagUntil := time.Now().Add(time.Second)
	agenttest.WaitFor(t, waitLong, func() (bool, string) {
		if time.Now().After(lagUntil) {
			return true, ""
		}
		for _, o := range []*agent.Agent{sender, other} {
			if s := agenttest.StatusOf(o, leaver.Name()); s != agent.StatusLeft {
				return false, fmt.Sprintf("%s sees %s %s", o.Name(), leaver.Name(), s)
			}
		}
		return true, ""
	})
	if agenttest.HasEntry(lagger, agent.EntryUser, sender.Name()) {
		t.Log("the lagger was not stalled: the race was not exercised")
	}
	release()
	if err := <-left; err != nil {
		t.Fatal(err)
	}
	_ = leaver.Shutdown()

	agenttest.WaitFor(t, waitLong, func() (bool, string) {
		got := firstGone(lagger, leaver.Name(), seq)
		return got != 0, fmt.Sprintf("%s has not recorded %s gone", lagger.Name(), leaver.Name())
	})
	if got := firstGone(lagger, leaver.Name(), seq); got != agent.EntryMemberLeave {
		t.Errorf("%s first recorded %s as %s, want %s", lagger.Name(), leaver.Name(), got, agent.EntryMemberLeave)
	}
	agenttest.WaitStatus(t, waitLong, []*agent.Agent{lagger}, leaver.Name(), agent.StatusLeft)
}

// ackSink is a bare memberlist that keeps the user messages it receives.
type ackSink struct{ got chan []byte }

func (s ackSink) NodeMeta(int) []byte { return nil }
func (s ackSink) NotifyMsg(b []byte) {
	select {
	case s.got <- append([]byte(nil), b...):
	default:
	}
}
func (s ackSink) GetBroadcasts(int, int) [][]byte { return nil }
func (s ackSink) LocalState(bool) []byte          { return nil }
func (s ackSink) MergeRemoteState([]byte, bool)   {}

// A member that missed a node's join (memberlist's retransmit limit) still
// acknowledges its leave intent, at the address the intent carries, so the
// leaver does not wait leaveIntentTimeout for it: whether it never heard
// of the leaver, or knows it only from an earlier run (another boot) that
// left before. Neither records anything of the intent.
func TestLeaveIntentOfAnUnknownNodeIsAcknowledged(t *testing.T) {
	for _, tt := range []struct {
		name       string
		known      bool               // web_1 knows web_9, from a run other than the leaving one
		wantStatus agent.MemberStatus // web_9 at web_1 after the intent
	}{
		{"never heard of", false, ""},
		{"known from an earlier run", true, agent.StatusAlive},
	} {
		t.Run(tt.name, func(t *testing.T) {
			subnet := agenttest.SubnetFor(t.Name())
			a := agenttest.Start(t, context.Background(), agenttest.Config("web_1", agenttest.Addr(subnet, 1)))

			sink := ackSink{got: make(chan []byte, 4)}
			mc := memberlist.DefaultLocalConfig()
			mc.Name, mc.BindAddr, mc.BindPort, mc.AdvertisePort = "web_9", agenttest.Addr(subnet, 9).String(), 0, 0
			mc.Delegate, mc.LogOutput = sink, io.Discard
			mc.DelegateProtocolVersion, mc.DelegateProtocolMin, mc.DelegateProtocolMax = agent.ProtocolVersion, agent.ProtocolVersion, agent.ProtocolVersion
			ml, err := memberlist.Create(mc)
			if err != nil {
				t.Fatal(err)
			}
			defer ml.Shutdown()
			self := ml.LocalNode()
			addr := netip.AddrPortFrom(netip.MustParseAddr(self.Addr.String()), self.Port)
			if tt.known {
				// web_9 carries no agent metadata: web_1 holds it with
				// another run's boot than the intent's 42.
				if _, err := ml.Join([]string{a.Addr().String()}); err != nil {
					t.Fatal(err)
				}
				agenttest.WaitStatus(t, waitLong, []*agent.Agent{a}, "web_9", agent.StatusAlive)
			}

			a.ReceiveDirectLeaveIntent("web_9", 42, addr)
			select {
			case b := <-sink.got:
				node, boot, from, err := agent.DecodeLeaveAck(b)
				if err != nil || node != "web_9" || boot != 42 || from != "web_1" {
					t.Errorf("ack: %q %d from %q, %v; want web_9's run 42 acknowledged by web_1", node, boot, from, err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("web_1 never acknowledged the leave intent of web_9's run 42")
			}
			if st := agenttest.StatusOf(a, "web_9"); st != tt.wantStatus {
				t.Errorf("web_1 records web_9 as %q after another run's intent, want %q", st, tt.wantStatus)
			}
		})
	}
}
