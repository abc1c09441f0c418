package cli_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/lab"
)

// metal is a provider of real machines: it records what it was asked to
// do to their power.
type metal struct {
	vagrantLike
	did []string
}

func (p *metal) Info() lab.ProviderInfo {
	return lab.ProviderInfo{Name: lab.ProviderVirtualBox, RealMachines: true}
}
func (p *metal) Halt(_ context.Context, _ *lab.Lab, nodes []string, _ bool) error {
	p.did = append(p.did, "halt "+strings.Join(nodes, ","))
	return nil
}
func (p *metal) Reload(_ context.Context, _ *lab.Lab, nodes []string) error {
	p.did = append(p.did, "reload "+strings.Join(nodes, ","))
	return nil
}

// Halting or rebooting real machines needs --allow-power: without it lab
// halt, lab reload and lab chaos halt, reload and up refuse before doing
// anything, naming the flag.
func TestPowerNeedsAllowPower(t *testing.T) {
	p := &metal{vagrantLike: vagrantLike{states: map[string]lab.NodeState{"web_1": lab.StateRunning, "web_2": lab.StateRunning}}}
	dir, reg := newFakeLab(t, p.states)
	reg.Register(p, false) // replaces the vagrantLike of the same name
	for _, args := range [][]string{
		{"halt", "web_1"}, {"reload", "--all"}, {"chaos", "halt", "web_1"}, {"chaos", "reload", "web_2"}, {"chaos", "up", "web_1"},
	} {
		_, stderr, code := runLab(t, reg, append(args, "--dir", dir)...)
		if code == 0 || !strings.Contains(stderr, "real machines of provider virtualbox, which lab powers off or reboots only when allowed") ||
			!strings.Contains(stderr, "hint: pass --allow-power") {
			t.Errorf("lab %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
	}
	if len(p.did) > 0 {
		t.Fatalf("the provider was asked to %v without --allow-power", p.did)
	}
	for _, args := range [][]string{{"halt", "web_1", "--allow-power"}, {"reload", "--all", "--allow-power"}} {
		if _, stderr, code := runLab(t, reg, append(args, "--dir", dir)...); code != 0 {
			t.Errorf("lab %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
	}
	if got := strings.Join(p.did, "; "); got != "halt web_1; reload web_1,web_2" {
		t.Errorf("provider did %q", got)
	}
}
