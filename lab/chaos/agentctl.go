package chaos

import (
	"fmt"
	"strings"
)

// UserEventName is the name of the user events `lab chaos event` sends;
// observers match them by sender.
const UserEventName = "lab-chaos"

// AgentCLI builds the agent's client command lines run on a node.
type AgentCLI struct {
	// Bin is the agent's command ("labagent" on the nodes' PATH).
	Bin string
	// Args go after the subcommand on every call (e.g. -rpc-addr ADDR).
	Args []string
	// Service is the agent's service name ("labagent"): the systemd unit,
	// /etc/init.d/NAME, or /etc/NAME/NAME.init run from rc.local, as
	// provisioning installs it.
	Service string
}

// Cmd renders `BIN SUB ARGS... args...`, quoted for a POSIX shell.
func (a AgentCLI) Cmd(sub string, args ...string) string {
	bin := a.Bin
	if bin == "" {
		bin = "labagent"
	}
	parts := []string{shellQuote(bin), shellQuote(sub)}
	for _, x := range append(append([]string(nil), a.Args...), args...) {
		parts = append(parts, shellQuote(x))
	}
	return strings.Join(parts, " ")
}

func (a AgentCLI) service() string {
	if a.Service == "" {
		return "labagent"
	}
	return a.Service
}

// serviceScript finds how the agent runs on the node (systemd unit, SysV
// init script, or the init script that rc.local runs) and does body with
// $mode (systemd | init) and $init (the script) set.
func (a AgentCLI) serviceScript(body string) string {
	svc := shellQuote(a.service())
	return fmt.Sprintf(`svc=%[1]s
if [ -d /run/systemd/system ] && systemctl cat "$svc" >/dev/null 2>&1; then mode=systemd
elif [ -x "/etc/init.d/$svc" ]; then mode=init init="/etc/init.d/$svc"
elif [ -x "/etc/$svc/$svc.init" ]; then mode=init init="/etc/$svc/$svc.init"
else echo "no $svc service on this node (systemd unit, /etc/init.d/$svc or /etc/$svc/$svc.init)" >&2; echo "hint: provision the node first: lab provision" >&2; exit 1
fi
%[2]s`, svc, body)
}

// StopScript stops the agent gracefully: `labagent leave` first (the
// agent leaves the cluster and exits), then the service is stopped. The
// leave does not rely on the stop's signal: provisioning runs the agent
// with leave_on_terminate off, as Serf does, so that a node that shuts
// down is seen failed, as in the classic halt experiment.
func (a AgentCLI) StopScript() string {
	return a.serviceScript(fmt.Sprintf(`case $mode in
systemd) systemctl is-active --quiet "$svc" || { echo "$svc is not running" >&2; exit 1; } ;;
init) "$init" status >/dev/null 2>&1 || { echo "$svc is not running" >&2; exit 1; } ;;
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
	systemctl is-active --quiet "$svc" || { echo "$svc is not running" >&2; exit 1; }
	systemctl kill --signal=SIGKILL "$svc"
	systemctl stop "$svc" ;;
init)
	pidfile="/var/run/$svc.pid"
	if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then kill -KILL "$(cat "$pidfile")"
	else echo "$svc is not running" >&2; exit 1
	fi ;;
esac
`)
}
