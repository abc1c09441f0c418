//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// labProcs are the running processes of a netns lab by kind: holder (one
// per node, PID 1 of the node), sshd and agent (the holder's children)
// and the lab's SSH forwarder, found in /proc by the holders' and the
// forwarder's command lines.
type labProcs map[string][]int

// The kinds of labProcs, in report order.
var procKinds = []string{"agent", "holder", "sshd", "forwarder"}

// findLabProcs scans /proc for the processes of lab name.
func findLabProcs(name string) labProcs {
	holderArgs := "__netns-helper\x00node\x00-ns\x00gl-" + name + "."
	fwdArgs := "__netns-helper\x00forward\x00-lab\x00" + name + "\x00"
	ps := labProcs{}
	parent := map[int]int{}
	holders := map[int]bool{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		switch {
		case bytes.Contains(cmd, []byte(holderArgs)):
			holders[pid] = true
			ps["holder"] = append(ps["holder"], pid)
		case bytes.Contains(cmd, []byte(fwdArgs)):
			ps["forwarder"] = append(ps["forwarder"], pid)
		default:
			if f := statFields(pid); len(f) > 3 {
				parent[pid], _ = strconv.Atoi(f[3])
			}
		}
	}
	for pid, pp := range parent {
		if !holders[pp] {
			continue
		}
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if strings.TrimSpace(string(comm)) == "sshd" {
			ps["sshd"] = append(ps["sshd"], pid)
		} else {
			ps["agent"] = append(ps["agent"], pid)
		}
	}
	return ps
}

// statFields are /proc/PID/stat's fields, the command (field 2) as one.
func statFields(pid int) []string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil
	}
	return append([]string{"", ""}, strings.Fields(string(data[i+1:]))...)
}

// cpuTicks is utime + stime of pids, in clock ticks (1/100 s on Linux),
// all threads, those ended included.
func cpuTicks(pids []int) map[int]int {
	m := map[int]int{}
	for _, pid := range pids {
		f := statFields(pid)
		if len(f) < 15 {
			continue
		}
		u, _ := strconv.Atoi(f[13])
		s, _ := strconv.Atoi(f[14])
		m[pid] = u + s
	}
	return m
}

// pssKB is the sum of the proportional set sizes of pids.
func pssKB(pids []int) int {
	kb := 0
	for _, pid := range pids {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
		if err != nil {
			continue
		}
		for _, line := range bytes.Split(data, []byte{'\n'}) {
			if f := bytes.Fields(line); len(f) > 1 && string(f[0]) == "Pss:" {
				n, _ := strconv.Atoi(string(f[1]))
				kb += n
			}
		}
	}
	return kb
}

// load1 is the host's one-minute load average.
func load1() float64 {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
