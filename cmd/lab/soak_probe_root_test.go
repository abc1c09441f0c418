//go:build linux

package main

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// leakProbe counts, from the host, what a netns lab holds: its
// namespaces, the processes inside them, the lab's processes outside them
// (the SSH forwarder, SSH connection sharing), the nftables tables of its
// nodes, and the file descriptors and RSS of its agents and helpers.
type leakProbe struct {
	lab, dir string
}

// soakSnapshot is what a leakProbe counted.
type soakSnapshot struct {
	namespaces int
	procs      map[string]int // inside the lab's namespaces, by command name
	followers  int            // journal -follow readers inside the nodes
	host       int            // the lab's processes in the host's namespace
	nft        []string       // nodes with an nftables table
	agentFDs   int            // the most open files of one agent
	agentRSS   int            // the largest agent RSS, kB
	helperFDs  int            // open files of the lab's helper processes (node holders, forwarder)
}

func (s soakSnapshot) String() string {
	return fmt.Sprintf("%d namespaces, processes %v, %d followers, %d host processes, agent fds max %d, agent RSS max %.1f MB, helper fds %d, nft tables on %v",
		s.namespaces, s.procs, s.followers, s.host, s.agentFDs, float64(s.agentRSS)/1024, s.helperFDs, s.nft)
}

// describeVs compares the figures that may grow, start -> end.
func (s soakSnapshot) describeVs(end soakSnapshot) string {
	return fmt.Sprintf("start -> end: agent fds max %d -> %d, agent RSS max %.1f -> %.1f MB, helper fds %d -> %d, lab processes %d -> %d, host processes %d -> %d",
		s.agentFDs, end.agentFDs, float64(s.agentRSS)/1024, float64(end.agentRSS)/1024, s.helperFDs, end.helperFDs,
		sum(s.procs), sum(end.procs), s.host, end.host)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// problems lists what s has more of than base beyond the bounds: any
// namespace or process more or less, a journal follower left, an
// nftables table, an agent with 16 more files open or twice the RSS (and
// 32 MB more), 32 more files open by the helpers.
func (s soakSnapshot) problems(base soakSnapshot) []string {
	var p []string
	if s.namespaces != base.namespaces {
		p = append(p, fmt.Sprintf("%d namespaces, %d at the start", s.namespaces, base.namespaces))
	}
	if !maps.Equal(s.procs, base.procs) {
		p = append(p, fmt.Sprintf("processes in the nodes %v, at the start %v", s.procs, base.procs))
	}
	if s.followers > 0 {
		p = append(p, fmt.Sprintf("%d journal -follow left running", s.followers))
	}
	if s.host > base.host {
		p = append(p, fmt.Sprintf("%d lab processes on the host, %d at the start", s.host, base.host))
	}
	if len(s.nft) > 0 {
		p = append(p, fmt.Sprintf("nftables tables left on %v", s.nft))
	}
	if s.agentFDs > base.agentFDs+16 {
		p = append(p, fmt.Sprintf("an agent has %d files open, at most %d at the start", s.agentFDs, base.agentFDs))
	}
	if s.agentRSS > max(2*base.agentRSS, base.agentRSS+32<<10) {
		p = append(p, fmt.Sprintf("an agent's RSS is %d kB, at most %d kB at the start", s.agentRSS, base.agentRSS))
	}
	if s.helperFDs > base.helperFDs+32 {
		p = append(p, fmt.Sprintf("the helpers have %d files open, %d at the start", s.helperFDs, base.helperFDs))
	}
	return p
}

// settled takes a snapshot once what the last command left has had time
// to end: with base, the first within the bounds or the last of 10 s;
// without, the first equal to the one before.
func (lp *leakProbe) settled(t *testing.T, base *soakSnapshot) soakSnapshot {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	prev := lp.snapshot(t)
	for {
		time.Sleep(time.Second)
		s := lp.snapshot(t)
		if base != nil && len(s.problems(*base)) == 0 || base == nil && len(s.problems(prev)) == 0 && maps.Equal(s.procs, prev.procs) {
			return s
		}
		if time.Now().After(deadline) {
			return s
		}
		prev = s
	}
}

// snapshot counts what the lab holds now, in one pass over /proc.
func (lp *leakProbe) snapshot(t *testing.T) soakSnapshot {
	t.Helper()
	nsOf, err := lp.namespaces()
	if err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	s := soakSnapshot{namespaces: len(nsOf), procs: map[string]int{}}
	pids, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range pids {
		if dir == "/proc/"+strconv.Itoa(os.Getpid()) {
			continue
		}
		cmdline, err := os.ReadFile(dir + "/cmdline")
		if err != nil || len(cmdline) == 0 {
			continue // gone, or a kernel thread
		}
		args := string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		link, _ := os.Readlink(dir + "/ns/net")
		_, inLab := nsOf[link]
		exe, _ := os.Readlink(dir + "/exe")
		switch {
		case inLab:
			comm, _ := os.ReadFile(dir + "/comm")
			name := strings.TrimSpace(string(comm))
			s.procs[name]++
			if strings.Contains(args, "journal") && strings.Contains(args, "-follow") {
				s.followers++
			}
			if name == "labagent" {
				s.agentFDs = max(s.agentFDs, countFDs(dir))
				s.agentRSS = max(s.agentRSS, rssKB(dir))
			}
		case strings.Contains(args, lp.dir) || strings.Contains(args, "gl-"+lp.lab+"."):
			s.host++
		}
		if exe == self && (inLab || strings.Contains(args, lp.dir) || strings.Contains(args, lp.lab)) {
			s.helperFDs += countFDs(dir)
		}
	}
	s.nft = lp.nftTables(t, nsOf)
	return s
}

// namespaces maps the lab's network namespaces, as /proc/PID/ns/net
// names them ("net:[inode]"), to their names.
func (lp *leakProbe) namespaces() (map[string]string, error) {
	paths, err := filepath.Glob("/run/netns/gl-" + lp.lab + ".*")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, p := range paths {
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); err != nil {
			return nil, fmt.Errorf("stat %s: %w", p, err)
		}
		out[fmt.Sprintf("net:[%d]", st.Ino)] = filepath.Base(p)
	}
	return out, nil
}

// nftTables lists the nodes whose namespace holds any nftables table.
func (lp *leakProbe) nftTables(t *testing.T, nsOf map[string]string) []string {
	t.Helper()
	var with []string
	for _, ns := range slices.Sorted(maps.Values(nsOf)) {
		if strings.HasSuffix(ns, ".br") {
			continue
		}
		out, err := exec.Command("ip", "netns", "exec", ns, "nft", "list", "tables").CombinedOutput()
		if err != nil {
			t.Fatalf("nft list tables in %s: %v\n%s", ns, err, out)
		}
		if len(bytes.TrimSpace(out)) > 0 {
			with = append(with, strings.TrimPrefix(ns, "gl-"+lp.lab+".")+": "+strings.TrimSpace(string(out)))
		}
	}
	return with
}

func countFDs(procDir string) int {
	fds, _ := os.ReadDir(procDir + "/fd")
	return len(fds)
}

func rssKB(procDir string) int {
	b, _ := os.ReadFile(procDir + "/status")
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// wantNothingLeft checks that lab name of dir left nothing on the host:
// no namespace, process, mount, link or file under /run/gossiplab.
func wantNothingLeft(t *testing.T, name, dir string) {
	t.Helper()
	if left, _ := filepath.Glob("/run/netns/gl-" + name + ".*"); len(left) > 0 {
		t.Errorf("namespaces left: %v", left)
	}
	lp := &leakProbe{lab: name, dir: dir}
	if s := lp.snapshot(t); s.host > 0 || sum(s.procs) > 0 {
		t.Errorf("processes left: %s", s)
	}
	if mi, _ := os.ReadFile("/proc/self/mountinfo"); bytes.Contains(mi, []byte(dir)) {
		t.Errorf("mounts left under %s", dir)
	}
	if links, _ := exec.Command("ip", "-o", "link", "show").Output(); bytes.Contains(links, []byte(name)) {
		t.Errorf("links left in the host's namespace:\n%s", links)
	}
	_ = filepath.WalkDir("/run/gossiplab", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if b, _ := os.ReadFile(p); d.Name() == name || bytes.Contains(b, []byte(dir)) {
			t.Errorf("%s left: it names the lab", p)
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(dir, ".lab", "nodes")); err == nil {
		t.Error("node directories left")
	}
}
