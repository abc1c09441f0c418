//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/labtest"
)

// hostsOf makes a netns lab of n nodes to stand in for machines that
// exist (destroyed when the test ends, also when it fails), and returns
// it with an Ansible INI inventory of its nodes: SSH at 127.0.0.1:PORT
// with the netns lab's key, lab IPs on its bridge.
func hostsOf(t *testing.T, n int) (*labRun, string) {
	t.Helper()
	machines, flags := newLabDir(t)
	machines.must(append([]string{"up", "--nodes", fmt.Sprint(n), "--no-provision"}, flags...)...)
	out, err := machines.cmd("status", "--json").Output()
	if err != nil {
		t.Fatalf("lab status --json: %v", err)
	}
	var rows []struct{ Node, IP, SSH string }
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("lab status --json: %v\n%s", err, out)
	}
	var b strings.Builder
	b.WriteString("# The machines: a netns lab's nodes.\n[db]\n")
	for i, r := range rows {
		hostPort := strings.TrimPrefix(r.SSH, "root@")
		host, port, _ := strings.Cut(hostPort, ":")
		fmt.Fprintf(&b, "db%d ansible_host=%s ansible_port=%s lab_ip=%s\n", i+1, host, port, r.IP)
	}
	fmt.Fprintf(&b, "\n[db:vars]\nansible_user=root\nansible_ssh_private_key_file=%s\n", filepath.Join(machines.dir, ".lab", "id_ed25519"))
	return machines, b.String()
}

// snapshot is what a host holds that lab could add: the agent's files,
// /etc/rc.local, nftables tables, processes running the agent.
func snapshot(t *testing.T, machines *labRun, node string) string {
	t.Helper()
	return machines.must("ssh", node, "--", `for p in /usr/local/bin/labagent /etc/labagent /var/lib/labagent /etc/systemd/system/labagent.service /etc/init.d/labagent /var/log/labagent.log /var/run/labagent.pid; do [ -e "$p" ] && echo "present $p"; done
ls -A /usr/local/bin /etc | sed 's/^/file /'
[ -e /etc/rc.local ] && sed 's/^/rc.local: /' /etc/rc.local
nft list tables | sed 's/^/nft: /'
for d in /proc/[0-9]*; do readlink "$d/exe"; done 2>/dev/null | grep -c labagent | sed 's/^/agents: /'
true`)
}

// TestRootHostsLab is a lab of machines that exist, from an Ansible
// inventory: plan, up (reachability, then provisioning), members, chaos
// measured, power refused without --allow-power, and destroy leaving the
// machines as they were and running.
func TestRootHostsLab(t *testing.T) {
	agent := buildLabagent(t)
	start := time.Now()
	machines, inventory := hostsOf(t, 3)
	nodes := []string{"web_1", "web_2", "web_3"}
	before := map[string]string{}
	for _, n := range nodes {
		before[n] = snapshot(t, machines, n)
	}

	r := &labRun{Lab: &labtest.Lab{T: t, Dir: t.TempDir(), Bin: machines.Bin, Env: machines.Env}, t: t}
	r.dir = r.Dir
	t.Cleanup(func() { // before the machines go (cleanups run last first)
		if out, code := r.Run("destroy", "--force"); code != 0 {
			t.Errorf("cleanup: lab destroy of the hosts lab: %s", out)
		}
	})
	writeFile(t, filepath.Join(r.dir, "hosts.ini"), inventory)
	writeFile(t, filepath.Join(r.dir, "lab.hcl"), "name = \"onhosts\"\nprovider = \"hosts\"\ninventory = \"hosts.ini\"\n")

	plan := r.must("plan")
	for _, re := range []string{`lab onhosts: 3 nodes on hosts, nothing on this host`, `ssh\s+ok\s+3 of 3 hosts answer and run Linux`,
		`gossip port\s+ok\s+7946 \(TCP and UDP\) free on the lab IPs\n`, `lab IPs\s+ok\s+every host has its lab IP`, `fits: 3 nodes\n`} {
		if !regexp.MustCompile(re).MatchString(plan) {
			t.Errorf("lab plan lacks %s:\n%s", re, plan)
		}
	}
	up := r.must("up", "--agent-binary", agent)
	for _, want := range []string{"lab onhosts: 3 of 3 nodes running on hosts", "3 nodes: 3 installed", "converged: all 3 agents see all 3 nodes alive"} {
		if !strings.Contains(up, want) {
			t.Errorf("lab up lacks %q:\n%s", want, up)
		}
	}
	if st := r.must("status"); strings.Count(st, "running (reachable)") != 3 || !strings.Contains(st, "db2   running (reachable)  192.168.56.12  root@127.0.0.1:") {
		t.Errorf("lab status:\n%s", st)
	}
	wantAllAlive(t, r.must("members", "--matrix"), 3)
	if during := snapshot(t, machines, "web_1"); !strings.Contains(during, "present /usr/local/bin/labagent") || !strings.Contains(during, "agents: 1") {
		t.Errorf("web_1 after lab up shows no agent:\n%s", during)
	}
	if plan := r.must("plan"); !strings.Contains(plan, "or held by a gossip agent (db[1-3])") {
		t.Errorf("lab plan after up:\n%s", plan)
	}

	// Real machines are not powered without --allow-power.
	for _, args := range [][]string{{"halt", "db1"}, {"reload", "--all"}, {"chaos", "halt", "db1"}, {"chaos", "reload", "db2"}} {
		if out, code := r.run(args...); code == 0 || !strings.Contains(out, "real machines of provider hosts") || !strings.Contains(out, "hint: pass --allow-power") {
			t.Errorf("lab %s without --allow-power: exit %d\n%s", strings.Join(args, " "), code, out)
		}
	}

	r.wantSaw(r.chaos("kill-agent", "db2"), 2, nil, "member-failed")
	r.wantSaw(r.chaos("start-agent", "db2"), 2, nil, "member-join")
	r.wantSaw(r.chaos("partition", "db1", "db2,db3", "--keep"), 3, nil, "member-failed")
	if got := r.chaosTables("db1", "db2", "db3"); len(got) != 3 {
		t.Errorf("partition --keep: chaos table on %v, want every host", got)
	}
	r.wantSaw(r.chaos("heal"), 3, nil, "member-join")
	r.chaos("loss", "20", "db3", "--keep") // destroy removes what --keep left

	out := r.must("destroy", "--force")
	if !strings.Contains(out, "lab onhosts: destroyed") {
		t.Errorf("lab destroy:\n%s", out)
	}
	for _, n := range nodes {
		if after := snapshot(t, machines, n); after != before[n] {
			t.Errorf("%s is not as it was after lab destroy:\nbefore:\n%s\nafter:\n%s", n, before[n], after)
		}
	}
	machines.wantStates(3, nil) // destroy powers nothing off
	if _, err := os.Stat(filepath.Join(r.dir, ".lab", "known_hosts")); err != nil {
		t.Errorf("the machines' pinned host keys went with lab destroy: %v", err)
	}
	t.Logf("hosts lab from plan to destroy in %s", time.Since(start).Round(time.Second))
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// wantAllAlive checks a members --matrix of n nodes: every row all alive.
func wantAllAlive(t *testing.T, matrix string, n int) {
	t.Helper()
	rows := 0
	for _, line := range strings.Split(matrix, "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && strings.HasPrefix(f[0], "db") {
			rows++
			if strings.ContainsAny(strings.TrimPrefix(line, f[0]), "?!SFL") {
				t.Errorf("matrix row not all alive: %q", line)
			}
		}
	}
	if rows != n {
		t.Errorf("matrix has %d rows, want %d:\n%s", rows, n, matrix)
	}
}
