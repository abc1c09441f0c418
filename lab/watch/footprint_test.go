//go:build linux

package watch

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkWatch52 measures the watcher over 52 real agents (in this
// process, LAN profile), shown by the TUI in a 120x62 tmux pane at the
// default interval of 1 s: CPU time of the watcher process (and,
// separately, of the client commands it keeps running, which stand in
// for the ssh clients of a lab) while the cluster is idle and in the
// window after one agent is killed; bytes the nodes sent; when the first
// full matrix was shown; the longest time from an observer's journal
// recording a change to the matrix holding it. Run it alone:
//
//	go test -run '^$' -bench Watch52 -benchtime 1x ./lab/watch/
//
// GLWATCH_WINDOW sets the measuring windows (default 20 s each);
// GLWATCH_SCREENSHOT=FILE saves the screen after the kill (and, with its
// colours, FILE.ansi).
func BenchmarkWatch52(b *testing.B) {
	if _, err := exec.LookPath("tmux"); err != nil {
		b.Skip("needs tmux")
	}
	window := 20 * time.Second
	if w, err := time.ParseDuration(os.Getenv("GLWATCH_WINDOW")); err == nil {
		window = w
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := startCluster(b, ctx, 52, true)
	dir := b.TempDir()
	faultFile, statsFile := filepath.Join(dir, "fault.json"), filepath.Join(dir, "stats.json")
	s, pid := startPane(b, c, faultFile, statsFile)
	alive := strings.Repeat("●", 52)
	s.waitScreen(60*time.Second, "52 rows of alive", func(screen string) bool {
		rows := matrixRows(screen, c.nodes)
		for _, n := range c.nodes {
			if rows[n] != alive {
				return false
			}
		}
		return true
	})
	time.Sleep(3 * time.Second) // the start's commands end
	b.ResetTimer()

	measure := func(during func()) (self, children float64, rx Traffic) {
		st0, self0, kids0 := readStats(b, statsFile), cpuSeconds(b, pid), childrenCPU(b, pid)
		start := time.Now()
		during()
		time.Sleep(time.Until(start.Add(window)))
		el := time.Since(start).Seconds()
		st1 := readStats(b, statsFile)
		perS := func(a, b int64) int64 { return int64(float64(b-a) / el) }
		rx = Traffic{Lists: perS(st0.Traffic.Lists, st1.Traffic.Lists), Checks: perS(st0.Traffic.Checks, st1.Traffic.Checks), Follows: perS(st0.Traffic.Follows, st1.Traffic.Follows)}
		return (cpuSeconds(b, pid) - self0) / el * 100, (childrenCPU(b, pid) - kids0) / el * 100, rx
	}
	idleSelf, idleKids, idleRx := measure(func() {})
	dead := c.nodes[7]
	faultSelf, faultKids, faultRx := measure(func() {
		_ = WriteFault(faultFile, Fault{Action: "kill-agent", Targets: []string{dead}, Injected: time.Now()})
		_ = c.Agents[7].Shutdown()
		screen := s.waitScreen(window-time.Second, dead+" failed in every other row", func(screen string) bool {
			rows := matrixRows(screen, c.nodes)
			for _, n := range c.nodes {
				want := alive[:7*len("●")] + "✗" + alive[8*len("●"):]
				if n == dead {
					want = strings.Repeat("?", 52)
				}
				if rows[n] != want {
					return false
				}
			}
			return true
		})
		saveScreen(s, screen)
	})
	b.StopTimer()
	st := readStats(b, statsFile)
	s.run("send-keys", "-t", "w", "q")
	b.ReportMetric(idleSelf, "cpu-idle-%")
	b.ReportMetric(idleKids, "clients-cpu-idle-%")
	reportTraffic(b, "idle", idleRx)
	b.ReportMetric(faultSelf, "cpu-fault-%")
	b.ReportMetric(faultKids, "clients-cpu-fault-%")
	reportTraffic(b, "fault", faultRx)
	reportFeed(b, st)
}

// reportTraffic reports bytes per second by kind.
func reportTraffic(b *testing.B, window string, t Traffic) {
	b.ReportMetric(float64(t.Lists), "rx-lists-"+window+"-B/s")
	b.ReportMetric(float64(t.Checks), "rx-checks-"+window+"-B/s")
	b.ReportMetric(float64(t.Follows), "rx-follows-"+window+"-B/s")
}

// reportFeed reports the first full matrix and the change latencies.
func reportFeed(b *testing.B, st helperStats) {
	b.ReportMetric(float64(st.FirstFull.Milliseconds()), "first-full-ms")
	lat := slices.Sorted(slices.Values(st.Latencies))
	if len(lat) > 0 {
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(ms(lat[len(lat)/2]), "latency-p50-ms")
		b.ReportMetric(ms(lat[len(lat)*95/100]), "latency-p95-ms")
		b.ReportMetric(ms(lat[len(lat)-1]), "latency-max-ms")
	}
	b.ReportMetric(float64(len(lat)), "changes")
}

// saveScreen writes screen to $GLWATCH_SCREENSHOT, and with its colours
// to that name with .ansi added, when it is set.
func saveScreen(s tmuxSession, screen string) {
	if path := os.Getenv("GLWATCH_SCREENSHOT"); path != "" {
		_ = os.WriteFile(path, []byte(screen), 0o644)
		_ = os.WriteFile(path+".ansi", []byte(s.run("capture-pane", "-p", "-e", "-t", "w")), 0o644)
	}
}

// startPane shows the TUI over c at the default interval in a 120x62
// tmux pane and returns the session and the TUI's pid.
func startPane(b *testing.B, c *cluster, faultFile, statsFile string) (tmuxSession, int) {
	s := tmuxSession{t: b, sock: fmt.Sprintf("glwatch-bench-%d", os.Getpid())}
	b.Cleanup(func() { _ = exec.Command("tmux", "-L", s.sock, "kill-server").Run() })
	var spec []string
	for _, n := range c.nodes {
		spec = append(spec, n+"="+c.addrs[n])
	}
	cmd := fmt.Sprintf("exec env %s=%s GLWATCH_INTERVAL=1s GLWATCH_FAULT=%s GLWATCH_STATS=%s GLWATCH_CPUPROFILE=%s %s",
		tuiEnv, quote(strings.Join(spec, ",")), quote(faultFile), quote(statsFile), quote(os.Getenv("GLWATCH_CPUPROFILE")), quote(os.Args[0]))
	s.run("new-session", "-d", "-s", "w", "-x", "120", "-y", "62", cmd)
	pid, err := strconv.Atoi(strings.TrimSpace(s.run("display-message", "-p", "-t", "w", "#{pane_pid}")))
	if err != nil {
		b.Fatal(err)
	}
	return s, pid
}

func readStats(b *testing.B, path string) helperStats {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var st helperStats
	if err := json.Unmarshal(data, &st); err != nil {
		b.Fatal(err)
	}
	return st
}

// procStat returns the fields of /proc/PID/stat after the command name.
func procStat(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	i := strings.LastIndexByte(string(data), ')')
	return strings.Fields(string(data[i+2:])), nil
}

// cpuSeconds is a process's user and system time (clock ticks of 10 ms).
func cpuSeconds(b *testing.B, pid int) float64 {
	f, err := procStat(pid)
	if err != nil {
		b.Fatal(err)
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

// childrenCPU is the CPU time of pid's live descendants and of those
// they waited for.
func childrenCPU(b *testing.B, pid int) float64 {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f, err := procStat(p); err == nil {
			parent[p], _ = strconv.Atoi(f[1])
		}
	}
	var total float64
	for p := range parent {
		for a := parent[p]; a > 1; a = parent[a] {
			if a == pid {
				if f, err := procStat(p); err == nil {
					var sum float64
					for _, k := range []int{11, 12, 13, 14} {
						v, _ := strconv.ParseFloat(f[k], 64)
						sum += v
					}
					total += sum / 100
				}
				break
			}
		}
	}
	return total
}

// BenchmarkOnce52 is the time to a full matrix of 52 observers, each
// asked once through the local runner (a shell and two client processes
// per observer, all on this machine: a lab runs them on the nodes):
//
//	go test -run '^$' -bench Once52 -benchtime 5x ./lab/watch/
func BenchmarkOnce52(b *testing.B) {
	ctx := context.Background()
	c := startCluster(b, ctx, 52, true)
	cfg := Config{Runner: &localRunner{addrs: c.addrs}, Agent: Labagent(labagentCmd), Observers: c.nodes, Nodes: c.nodes}
	var rx int64
	for b.Loop() {
		f, err := NewFeed(cfg)
		if err != nil {
			b.Fatal(err)
		}
		f.Once(ctx)
		if v := f.Matrix().View(); slices.Contains(v.Answered, false) {
			b.Fatalf("some observers gave no answer: %v", v.Errors)
		}
		rx = f.Received()
	}
	b.ReportMetric(float64(rx), "snapshot-B")
}
