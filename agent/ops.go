package agent

import (
	"errors"
	"time"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

// SetFault replaces the transport's fault injection state (the zero
// Fault clears it). The agent must be started.
func (a *Agent) SetFault(f Fault) error {
	if err := f.Validate(); err != nil {
		return err
	}
	a.mu.Lock()
	ft := a.fault
	a.mu.Unlock()
	if ft == nil {
		return errors.New("agent not started")
	}
	ft.Set(f)
	a.logger.Info("fault injection set", "fault", f.String())
	return nil
}

// Fault returns the current fault injection state.
func (a *Agent) Fault() Fault {
	a.mu.Lock()
	ft := a.fault
	a.mu.Unlock()
	if ft == nil {
		return a.cfg.Fault
	}
	return ft.Fault()
}

// Info returns the agent's state for `labagent info`.
func (a *Agent) Info() rpc.Info {
	counts := map[string]int{}
	for _, m := range a.Members() {
		counts[m.Status]++
	}
	f := a.Fault()
	problems := a.Problems()
	if problems == nil {
		problems = []string{}
	}
	rpcAddr := ""
	if a.rpc != nil {
		rpcAddr = a.rpc.addr()
	}
	var addr string
	if ap := a.Addr(); ap.IsValid() {
		addr = ap.String()
	}
	return rpc.Info{
		Node:            a.cfg.NodeName,
		Addr:            addr,
		Version:         Version(),
		Protocol:        ProtocolVersion,
		Profile:         a.cfg.Profile,
		Tags:            a.Tags(),
		Encrypted:       a.keyring != nil,
		Members:         counts,
		Fault:           f,
		FaultText:       f.String(),
		Problems:        problems,
		JournalFirstSeq: a.journal.FirstSeq(),
		JournalLastSeq:  a.journal.LastSeq(),
		JournalSize:     a.cfg.JournalSize,
		EventClock:      a.events.clock.Time(),
		HealthScore:     a.HealthScore(),
		Uptime:          time.Since(a.created),
		RPCAddr:         rpcAddr,
	}
}

// HealthScore is memberlist's Lifeguard awareness of this agent (0 is
// healthy; each point stretches its probe interval and timeouts by one
// more probe interval): raised when its own probes miss expected nacks,
// as when the host is too loaded to answer in time.
func (a *Agent) HealthScore() int {
	if ml := a.list(); ml != nil {
		return ml.GetHealthScore()
	}
	return 0
}
