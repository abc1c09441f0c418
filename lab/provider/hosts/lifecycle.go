package hosts

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/internal/parallel"
	"github.com/gossiplab/gossiplab/lab"
)

// Up boots nothing: the hosts run already. It waits, opts.Parallel at a
// time, until each host's SSH server answers and accepts the login (its
// host key pinned on first contact), and checks that it runs Linux.
func (p *Provider) Up(ctx context.Context, l *lab.Lab, nodes []string, opts lab.UpOptions) error {
	r := p.reacher(l.Paths.Dir, l.Spec.Hosts)
	progress := opts.Progress
	if progress == nil {
		progress = func(string, lab.Phase) {}
	}
	par := opts.Parallel
	if par < 1 {
		par = p.opts.Parallel
	}
	errs := parallel.Each(ctx, len(nodes), par, func(ctx context.Context, i int) error {
		node := nodes[i]
		progress(node, lab.PhaseBooted) // it exists
		m, err := r.dial(ctx, node, p.opts.UpTimeout)
		if err != nil {
			return fmt.Errorf("%s: %w", node, err)
		}
		defer m.close()
		out, err := m.run(ctx, "uname -s")
		if err != nil {
			return fmt.Errorf("%s: %w", node, err)
		}
		if kernel := strings.TrimSpace(out); kernel != "Linux" {
			return fmt.Errorf("%s runs %s: the agents and lab chaos need Linux", node, kernel)
		}
		progress(node, lab.PhaseSSHReachable)
		return nil
	})
	return joinHosts("lab up: not every host answers over SSH", "check ansible_host, ansible_port, ansible_user and the key in the inventory; lab status shows each host", errs)
}

// joinHosts is one error of the hosts' errors, or nil.
func joinHosts(what, fix string, errs []error) error {
	var lines []string
	for _, err := range errs {
		if err != nil {
			lines = append(lines, "  "+strings.ReplaceAll(hint.Text(err), "\n", "\n  "))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return hint.Errorf(fix, "%s:\n%s", what, strings.Join(lines, "\n"))
}

// Status reports a host running when it answers over SSH and accepts the
// login, and unknown otherwise, with why: lab cannot tell a machine that
// is off from one it cannot reach.
func (p *Provider) Status(ctx context.Context, l *lab.Lab) ([]lab.NodeStatus, error) {
	r := p.reacher(l.Paths.Dir, l.Spec.Hosts)
	names := l.NodeNames()
	out := make([]lab.NodeStatus, len(names))
	parallel.Each(ctx, len(names), p.opts.Parallel, func(ctx context.Context, i int) error {
		out[i] = lab.NodeStatus{Node: names[i], State: lab.StateRunning, Detail: "reachable"}
		m, err := r.dial(ctx, names[i], p.opts.ReachTimeout)
		if err != nil {
			out[i].State, out[i].Detail = lab.StateUnknown, "unreachable: "+shortErr(err)
			return nil
		}
		m.close()
		return nil
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// powerAction is what Halt and Reload do to a host.
type powerAction int

const (
	powerOff    powerAction = iota // shut down, then power off
	powerOffNow                    // power off at once, like pulling the plug
	powerReboot                    // shut down, then boot again
)

// command is the shell command for the action, with systemd or without.
func (a powerAction) command() string {
	switch a {
	case powerOffNow:
		return "if [ -d /run/systemd/system ]; then systemctl poweroff -ff; else poweroff -f; fi"
	case powerReboot:
		return "if [ -d /run/systemd/system ]; then systemctl reboot; else reboot; fi"
	}
	return "if [ -d /run/systemd/system ]; then systemctl poweroff; else poweroff; fi"
}

// bootIDCmd prints the kernel's random boot id, new at every boot.
const bootIDCmd = "cat /proc/sys/kernel/random/boot_id"

// power acts on each host's power and waits, at most PowerTimeout, until
// it is down (off) or back from a new boot (reboot). The command runs in
// the background a second later, so that the SSH session ends cleanly.
func (p *Provider) power(ctx context.Context, l *lab.Lab, nodes []string, a powerAction) error {
	r := p.reacher(l.Paths.Dir, l.Spec.Hosts)
	errs := parallel.Each(ctx, len(nodes), p.opts.Parallel, func(ctx context.Context, i int) error {
		node := nodes[i]
		m, err := r.dial(ctx, node, p.opts.ReachTimeout)
		if err != nil {
			return fmt.Errorf("%s: %w", node, err)
		}
		boot, err := m.run(ctx, bootIDCmd)
		if err == nil {
			_, err = m.run(ctx, "nohup sh -c "+shellQuote("sleep 1; "+a.command())+" >/dev/null 2>&1 &")
		}
		m.close()
		if err != nil {
			return fmt.Errorf("%s: %w", node, err)
		}
		wctx, cancel := context.WithTimeout(ctx, p.opts.PowerTimeout)
		defer cancel()
		if a == powerReboot {
			err = r.waitBoot(wctx, node, strings.TrimSpace(boot))
		} else {
			err = r.waitDown(wctx, node)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", node, err)
		}
		return nil
	})
	return joinHosts("not every host did as asked", "lab status shows where the hosts are", errs)
}

// waitDown waits until node's SSH port refuses or drops connections.
func (r *reacher) waitDown(ctx context.Context, node string) error {
	h := r.hosts[node]
	ep, err := r.p.endpoint(r.dir, h)
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))
	for {
		var d net.Dialer
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := d.DialContext(actx, "tcp", addr)
		cancel()
		if err != nil && ctx.Err() == nil {
			return nil
		}
		if c != nil {
			c.Close()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("still answering on %s: %w", addr, context.Cause(ctx))
		case <-time.After(time.Second):
		}
	}
}

// waitBoot waits until node answers from a boot other than old.
func (r *reacher) waitBoot(ctx context.Context, node, old string) error {
	for {
		m, err := r.dial(ctx, node, r.p.opts.PowerTimeout)
		if err != nil {
			return fmt.Errorf("not back after the reboot: %w", err)
		}
		boot, err := m.run(ctx, bootIDCmd)
		m.close()
		if err == nil && strings.TrimSpace(boot) != old {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not back after the reboot: %w", context.Cause(ctx))
		case <-time.After(2 * time.Second):
		}
	}
}
