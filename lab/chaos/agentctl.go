package chaos

import (
	"fmt"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/provision"
)

// UserEventName is the name of the user events `lab chaos event` sends.
// labagent's observers match them by sender; Serf's user events carry no
// sender, so on Serf the payload names the sender and a nonce of the step
// (see AgentCLI.EventCmd).
const UserEventName = "lab-chaos"

// AgentCLI builds the agent's client command lines run on a node.
type AgentCLI struct {
	// Flavour is the agent the nodes run: labagent (the default) or a
	// HashiCorp Serf binary (provision.FlavourSerf).
	Flavour provision.Flavour
	// Bin is the agent's command (default: where provisioning installs
	// it, /usr/local/bin/NAME: sudo's secure_path may leave it out).
	Bin string
	// Args go after the subcommand on every call (e.g. -rpc-addr ADDR).
	Args []string
	// Service is the agent's service name (default: the flavour's name):
	// the systemd unit, /etc/init.d/NAME, or /etc/labagent/NAME.init run
	// from rc.local, as provisioning installs it (provision.Layout).
	Service string
}

// AgentFor is the client of flavour's agent as lab provision installs it.
func AgentFor(flavour provision.Flavour) AgentCLI { return AgentCLI{Flavour: flavour} }

func (a AgentCLI) name() string {
	if a.Flavour == "" {
		return string(provision.FlavourLabagent)
	}
	return string(a.Flavour)
}

// Cmd renders `BIN SUB ARGS... args...`, quoted for a POSIX shell.
func (a AgentCLI) Cmd(sub string, args ...string) string {
	bin := a.Bin
	if bin == "" {
		bin = provision.Layout{Name: a.name()}.Binary()
	}
	parts := []string{shellQuote(bin), shellQuote(sub)}
	for _, x := range append(append([]string(nil), a.Args...), args...) {
		parts = append(parts, shellQuote(x))
	}
	return strings.Join(parts, " ")
}

// EventCmd sends the user event of `lab chaos event` from sender. Serf's
// events carry no sender and its coalescing would hold them back, so
// on Serf the event is not coalesced and its payload is "SENDER NONCE",
// which observers match (MonitorParser.Nonce); labagent's observers
// match by sender.
func (a AgentCLI) EventCmd(sender, nonce string) string {
	return a.Cmd("event", a.Flavour.EventArgs(UserEventName, sender, nonce)...)
}

// MembersCmd lists the agent's members as JSON (provision.ParseMembers
// reads both flavours' output).
func (a AgentCLI) MembersCmd() string { return a.Cmd("members", "-format", "json") }

// MembersWaitCmd is the members command that waits on the node until n
// members are alive (at most d), or nil when the agent cannot wait.
func (a AgentCLI) MembersWaitCmd() func(n int, d time.Duration) string {
	if a.Flavour.MembersWaitArgs(1, time.Second) == nil {
		return nil
	}
	return func(n int, d time.Duration) string {
		args := a.Flavour.MembersWaitArgs(n, d)
		return a.Cmd(args[0], args[1:]...)
	}
}

// Supports refuses what the flavour's agent cannot do: Serf has no
// transport fault hook (`labagent fault`), so delay and --mechanism agent
// are labagent's only.
func (a AgentCLI) Supports(req Request) error {
	if a.Flavour.FaultHook() {
		return nil
	}
	if req.Action == ActDelay {
		return hint.Errorf(fmt.Sprintf("on a %s lab use the nftables faults: partition, isolate or loss (--mechanism nft)", a.displayName()), "delay needs labagent's fault hook, which %s lacks, and nftables cannot delay packets", a.displayName())
	}
	if req.Action.Network() && req.Mechanism == MechAgent {
		return hint.Errorf(fmt.Sprintf("on a %s lab use --mechanism nft (or auto): nftables in each node", a.displayName()), "--mechanism agent is labagent's fault hook, which %s lacks", a.displayName())
	}
	return nil
}

// displayName is the agent's name as people write it: Serf.
func (a AgentCLI) displayName() string {
	n := a.name()
	return strings.ToUpper(n[:1]) + n[1:]
}

func (a AgentCLI) layout() provision.Layout {
	name := a.Service
	if name == "" {
		name = a.name()
	}
	return provision.Layout{Name: name}
}

// serviceScript finds how the agent runs on the node (systemd unit, SysV
// init script, or the init script that rc.local runs) and does body with
// $mode (systemd | init), $init (the script) and $pidfile set.
func (a AgentCLI) serviceScript(body string) string {
	l := a.layout()
	return fmt.Sprintf(`svc=%[1]s rclocal=%[2]s pidfile=%[3]s
if [ -d /run/systemd/system ] && systemctl cat "$svc" >/dev/null 2>&1; then mode=systemd
elif [ -x "/etc/init.d/$svc" ]; then mode=init init="/etc/init.d/$svc"
elif [ -x "$rclocal" ]; then mode=init init="$rclocal"
else echo "no $svc service on this node (systemd unit, /etc/init.d/$svc or $rclocal)" >&2; echo "hint: provision the node first: lab provision" >&2; exit 1
fi
%[4]s`, shellQuote(l.Name), shellQuote(l.ServiceFile(provision.InitNone)), shellQuote(l.PIDFile()), body)
}

// StopScript stops the agent gracefully: `AGENT leave` first (the agent
// leaves the cluster and exits), then the service is stopped. The leave
// does not rely on the stop's signal: provisioning runs labagent with
// leave_on_terminate off, as Serf's default is, so that a node that shuts
// down is seen failed, as in the classic halt experiment.
func (a AgentCLI) StopScript() string {
	return a.serviceScript(fmt.Sprintf(`case $mode in
systemd) systemctl is-active --quiet "$svc" || { echo "$svc is not running" >&2; echo "hint: lab chaos start-agent starts it" >&2; exit 1; } ;;
init) "$init" status >/dev/null 2>&1 || { echo "$svc is not running" >&2; echo "hint: lab chaos start-agent starts it" >&2; exit 1; } ;;
esac
%s >/dev/null || echo "graceful leave failed; stopping the service anyway" >&2
case $mode in
systemd) systemctl stop "$svc" ;;
init) "$init" stop ;;
esac
`, a.Cmd("leave")))
}

// StartScript starts the agent.
func (a AgentCLI) StartScript() string {
	return a.serviceScript(`case $mode in
systemd) systemctl start "$svc" ;;
init) "$init" start ;;
esac
`)
}

// KillScript kills the agent with SIGKILL, a crash: it cannot leave. A
// systemd unit is then stopped, which only cancels the pending
// Restart=on-failure (there is no process left to tell to leave), so the
// agent stays down until start-agent, as after a crash without a
// supervisor.
func (a AgentCLI) KillScript() string {
	return a.serviceScript(`case $mode in
systemd)
	systemctl is-active --quiet "$svc" || { echo "$svc is not running" >&2; echo "hint: lab chaos start-agent starts it" >&2; exit 1; }
	systemctl kill --signal=SIGKILL "$svc"
	systemctl stop "$svc" ;;
init)
	if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then kill -KILL "$(cat "$pidfile")"
	else echo "$svc is not running" >&2; echo "hint: lab chaos start-agent starts it" >&2; exit 1
	fi ;;
esac
`)
}
