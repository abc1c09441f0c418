package chaos

import (
	"fmt"
	"strings"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// Action is a verb of `lab chaos`.
type Action string

// The actions.
const (
	ActHalt         Action = "halt"          // provider: graceful halt, or power off with --force
	ActReload       Action = "reload"        // provider: halt then boot
	ActUp           Action = "up"            // provider: boot halted nodes
	ActKillAgent    Action = "kill-agent"    // SIGKILL the agent: a crash
	ActStopAgent    Action = "stop-agent"    // stop the agent gracefully: it leaves
	ActStartAgent   Action = "start-agent"   // start a stopped agent
	ActRestartAgent Action = "restart-agent" // stop (leave), wait until the others saw it go, start; measures the start
	ActEvent        Action = "event"         // broadcast a user event from the targets (labagent event)
	ActPartition    Action = "partition"     // cut two groups of nodes apart
	ActIsolate      Action = "isolate"       // cut nodes off from every other node
	ActLoss         Action = "loss"          // drop a percentage of what nodes send
	ActDelay        Action = "delay"         // delay what nodes' agents send
	ActHeal         Action = "heal"          // remove every network fault chaos added
	ActWait         Action = "wait"          // scenarios only: wait converged | wait DURATION
)

// Actions lists every action a command line or scenario may name.
func Actions() []Action {
	return []Action{ActHalt, ActReload, ActUp, ActKillAgent, ActStopAgent, ActStartAgent, ActRestartAgent,
		ActEvent, ActPartition, ActIsolate, ActLoss, ActDelay, ActHeal}
}

// ParseAction reads an action's name.
func ParseAction(s string) (Action, error) {
	for _, a := range append(Actions(), ActWait) {
		if string(a) == s {
			return a, nil
		}
	}
	names := make([]string, 0, 13)
	for _, a := range Actions() {
		names = append(names, string(a))
	}
	return "", hint.Errorf(fmt.Sprintf("use one of %s, or run FILE", strings.Join(names, ", ")), "unknown action %q", s)
}

// Expect is what observers should record after an action.
type Expect int

// What observers record.
const (
	ExpectNone Expect = iota // nothing to measure (loss, delay, wait)
	ExpectDown               // the targets failed or left
	ExpectUp                 // the targets are alive (joined) again
	ExpectUser               // the targets' user event was delivered
)

// Expects says what observers should record after a.
func (a Action) Expects() Expect {
	switch a {
	case ActHalt, ActKillAgent, ActStopAgent, ActPartition, ActIsolate:
		return ExpectDown
	case ActUp, ActReload, ActStartAgent, ActRestartAgent, ActHeal:
		return ExpectUp
	case ActEvent:
		return ExpectUser
	}
	return ExpectNone
}

// Outcomes are the journal entry types that count as noticing a.
func (a Action) Outcomes() []string {
	switch a.Expects() {
	case ExpectDown:
		return []string{EventFailed, EventLeave}
	case ExpectUp:
		if a == ActReload {
			// A node reloaded before the others noticed it gone (a running
			// node's quick reboot) is never failed for them: they record
			// its new incarnation as an update, not a join.
			return []string{EventJoin, EventUpdate}
		}
		return []string{EventJoin}
	case ExpectUser:
		return []string{EventUser}
	}
	return nil
}

// Network reports whether a is a network fault, which heal undoes and
// which is healed on exit unless --keep.
func (a Action) Network() bool {
	switch a {
	case ActPartition, ActIsolate, ActLoss, ActDelay:
		return true
	}
	return false
}

// ByProvider reports whether the provider performs a (halt, reload, up);
// the other actions run commands on the nodes over the shell.
func (a Action) ByProvider() bool {
	switch a {
	case ActHalt, ActReload, ActUp:
		return true
	}
	return false
}

// TargetsDown reports whether a takes its targets out of the cluster, so
// that they cannot observe.
func (a Action) TargetsDown() bool {
	switch a {
	case ActHalt, ActKillAgent, ActStopAgent:
		return true
	}
	return false
}
