//go:build linux

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/internal/labtest"
)

// buildAgent builds cmd/labagent for this host's architecture, as the
// README says ($LAB_TEST_AGENT names a prebuilt one instead).
func buildAgent(t *testing.T) string { return labtest.BuildAgent(t, "../labagent") }

func TestRootCLIProvisionConvergesThenUnchanged(t *testing.T) {
	agent := buildAgent(t)
	r, flags := newLabDir(t)
	const n = 6
	r.must(append([]string{"up", "--nodes", "6", "--no-provision"}, flags...)...)

	out := r.must("provision", "--agent-binary", agent)
	for _, want := range []string{"6 nodes: 6 installed", "converged: all 6 agents see all 6 nodes alive"} {
		if !strings.Contains(out, want) {
			t.Errorf("first provision lacks %q:\n%s", want, out)
		}
	}
	if st, err := os.Stat(filepath.Join(r.dir, ".lab", "gossip.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("gossip key: %v, %v; want mode 0600", st, err)
	}

	if st := r.must("status"); strings.Count(st, "labagent 0.") != n {
		t.Errorf("status lacks the agent of every node:\n%s", st)
	}

	out = r.must("provision", "--agent-binary", agent)
	if !strings.Contains(out, "6 nodes: 6 unchanged") || strings.Count(out, " unchanged ") != n {
		t.Errorf("second provision is not unchanged on every node:\n%s", out)
	}

	// The agent binds to the lab IP (eth1), never the NAT address.
	conf := r.must("ssh", "web_4", "--", "cat /etc/labagent/labagent.json")
	if !strings.Contains(conf, `"bind": "192.168.56.14"`) || strings.Contains(conf, "10.0.2.15") {
		t.Errorf("web_4 config:\n%s", conf)
	}

	matrix := r.must("members", "--matrix")
	rows := 0
	for _, line := range strings.Split(matrix, "\n") {
		if strings.HasPrefix(line, "web_") {
			rows++
			if strings.ContainsAny(strings.TrimPrefix(line, strings.Fields(line)[0]), "?!SFL") {
				t.Errorf("matrix row not all alive: %q", line)
			}
		}
	}
	if rows != n {
		t.Errorf("matrix has %d rows, want %d:\n%s", rows, n, matrix)
	}

	var views []struct {
		Node    string
		Members []struct{ Name, Status string }
	}
	if err := json.Unmarshal([]byte(r.must("members", "--node", "web_2", "--json")), &views); err != nil {
		t.Fatal(err)
	}
	if len(views) != 1 || views[0].Node != "web_2" || len(views[0].Members) != n {
		t.Errorf("members --node web_2 --json: %+v", views)
	}

	// lab up on a lab that is up: its last phase finds nothing to do.
	out = r.must("up", "--agent-binary", agent)
	if !strings.Contains(out, "6 nodes: 6 unchanged") {
		t.Errorf("lab up's provision phase:\n%s", out)
	}

	// A halted node fails at once with a hint; the others are unaffected.
	r.must("halt", "web_6")
	out, code := r.run("provision", "--agent-binary", agent, "--no-verify")
	if code == 0 || !strings.Contains(out, `node "web_6" is halted`) || !strings.Contains(out, "5 unchanged, 1 failed") {
		t.Errorf("provision with a halted node: exit %d\n%s", code, out)
	}
	// Its agent is still installed: status keeps it and notes the failure.
	if st := r.must("status", "web_6"); !strings.Contains(st, "labagent 0.") || !strings.Contains(st, "last provision failed") {
		t.Errorf("status of the halted node after a failed provision:\n%s", st)
	}
	// members skips it at once and says why its row is all "!".
	out = r.must("members", "--matrix")
	if !strings.Contains(out, `web_6: no answer: node "web_6" is halted`) {
		t.Errorf("members --matrix with a halted node:\n%s", out)
	}
}

// A real HashiCorp Serf cluster in the same lab, then back to labagent:
// provisioning one flavour retires the other (both bind port 7946), and
// lab members asks whichever runs.
func TestRootCLIProvisionRealSerfAndBack(t *testing.T) {
	agent, serf := buildAgent(t), labtest.BuildSerf(t)
	r, flags := newLabDir(t)
	const n = 4
	r.must(append([]string{"up", "--nodes", "4"}, append(flags, "--agent-binary", agent)...)...)

	out := r.must("provision", "--agent", "serf", "--agent-binary", serf)
	for _, want := range []string{"4 nodes: 4 installed", "converged: all 4 agents see all 4 nodes alive"} {
		if !strings.Contains(out, want) {
			t.Errorf("provisioning serf lacks %q:\n%s", want, out)
		}
	}
	// go install builds a Serf that calls itself 0.8.2-dev; the module
	// version meets the default constraint.
	if !strings.Contains(out, "0.8.2-dev") {
		t.Errorf("serf's reported version not shown:\n%s", out)
	}
	procs := r.must("ssh", "web_3", "--", "ps -e -o comm=; cat /etc/rc.local")
	if !strings.Contains(procs, "\nserf\n") || strings.Contains(procs, "labagent\n") || strings.Contains(procs, "labagent.init") {
		t.Errorf("web_3 after provisioning serf: want serf running and labagent stopped, unregistered:\n%s", procs)
	}
	if m := r.must("members", "--node", "web_2"); strings.Count(m, " alive") != n {
		t.Errorf("lab members on a serf lab:\n%s", m)
	}
	if out := r.must("provision", "--agent", "serf", "--agent-binary", serf); !strings.Contains(out, "4 nodes: 4 unchanged") {
		t.Errorf("second serf provision is not unchanged:\n%s", out)
	}

	out = r.must("provision", "--agent-binary", agent)
	if !strings.Contains(out, "converged: all 4 agents see all 4 nodes alive") {
		t.Errorf("back to labagent:\n%s", out)
	}
	procs = r.must("ssh", "web_3", "--", "ps -e -o comm=; cat /etc/rc.local")
	if strings.Contains(procs, "\nserf\n") || !strings.Contains(procs, "labagent\n") || strings.Contains(procs, "serf.init") {
		t.Errorf("web_3 back on labagent: want serf stopped and unregistered:\n%s", procs)
	}
	if out := r.must("provision", "--agent-binary", agent); !strings.Contains(out, "4 nodes: 4 unchanged") {
		t.Errorf("second labagent provision is not unchanged:\n%s", out)
	}
}
