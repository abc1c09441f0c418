package watch

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
)

// tuiHelper runs the TUI over the agents spec names
// ("web_1=127.0.9.1:7373,web_2=..."), in the terminal the test binary
// was started in (a tmux pane). GLWATCH_FAULT names the fault file,
// GLWATCH_INTERVAL the interval (default 200ms), GLWATCH_STATS a file to
// write the feed's figures to every second (helperStats).
func tuiHelper(spec string) int {
	r := &localRunner{addrs: map[string]string{}}
	var nodes []string
	for kv := range strings.SplitSeq(spec, ",") {
		name, addr, _ := strings.Cut(kv, "=")
		nodes = append(nodes, name)
		r.addrs[name] = addr
	}
	interval := 200 * time.Millisecond
	if d, err := time.ParseDuration(os.Getenv("GLWATCH_INTERVAL")); err == nil {
		interval = d
	}
	f, err := NewFeed(Config{
		Runner: r, Agent: Labagent(labagentCmd), Observers: nodes, Nodes: nodes,
		Interval: interval, SuspectHold: 2 * time.Second, FaultFile: os.Getenv("GLWATCH_FAULT"),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if path := os.Getenv("GLWATCH_STATS"); path != "" {
		go writeStats(ctx, f, path)
	}
	if path := os.Getenv("GLWATCH_CPUPROFILE"); path != "" {
		if pf, err := os.Create(path); err == nil && pprof.StartCPUProfile(pf) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	if err := RunTUI(ctx, f, os.Stdin, os.Stdout, Options{Palette: NewPalette(lipgloss.NewRenderer(os.Stdout), UnicodeGlyphs(), true)}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// helperStats are the feed's figures for the footprint benchmark.
type helperStats struct {
	Traffic Traffic `json:"traffic"`
	// FirstFull is when every observer first answered, since the start.
	FirstFull time.Duration `json:"first_full_ns"`
	// Latencies are the times from an observer's journal recording an
	// entry to the matrix holding its change, in order.
	Latencies []time.Duration `json:"latencies_ns"`
}

func writeStats(ctx context.Context, f *Feed, path string) {
	start := time.Now()
	m := f.Matrix()
	m.KeepChanges()
	var st helperStats
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, c := range m.Drain() {
			if !c.Row && !c.Recorded.IsZero() {
				st.Latencies = append(st.Latencies, c.Time.Sub(c.Recorded))
			}
		}
		if st.FirstFull == 0 && m.Tried() && !slices.Contains(m.View().Answered, false) {
			st.FirstFull = time.Since(start)
		}
		st.Traffic = f.Traffic()
		if i%10 == 0 {
			data, _ := json.Marshal(st)
			_ = atomicfile.WriteFile(path, data, 0o644)
		}
	}
}

// tmuxSession is a tmux server of the test's own (its socket named after
// the test process) with one session.
type tmuxSession struct {
	t    testing.TB
	sock string
}

func (s tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s tmuxSession) capture() string { return s.run("capture-pane", "-p", "-t", "w") }

// waitScreen waits until cond holds for the pane's text.
func (s tmuxSession) waitScreen(timeout time.Duration, what string, cond func(screen string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		screen := s.capture()
		if cond(screen) {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen did not show %s within %s:\n%s", what, timeout, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// matrixRows reads the rows of the matrix on a screen: observer -> its
// cells' glyphs.
func matrixRows(screen string, nodes []string) map[string]string {
	rows := map[string]string{}
	for _, line := range strings.Split(screen, "\n") {
		f := strings.Fields(line)
		if len(f) == len(nodes)+2 && strings.HasPrefix(f[0], "web_") {
			rows[f[0]] = strings.Join(f[1:1+len(nodes)], "")
		}
	}
	return rows
}

// TestTUIInTmux shows the TUI over five real agents in a tmux pane:
// a 5x5 matrix of alive, the killed agent's column turning failed in the
// other rows (its row: no answer), help on ?, and q restoring the
// terminal. GLWATCH_SCREENSHOT=FILE saves the screen after the kill.
func TestTUIInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("needs tmux (CI installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	c := startCluster(t, ctx, 5, false)
	s := tmuxSession{t: t, sock: fmt.Sprintf("glwatch-%d", os.Getpid())}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.sock, "kill-server").Run() })
	var spec []string
	for _, n := range c.nodes {
		spec = append(spec, n+"="+c.addrs[n])
	}
	faultFile := filepath.Join(t.TempDir(), "last-fault.json")
	// A shell runs the TUI, so that the terminal it leaves behind can be
	// looked at (a dead pane reports no modes).
	s.run("new-session", "-d", "-s", "w", "-x", "120", "-y", "30", "env PS1='$ ' sh")
	s.run("send-keys", "-t", "w", fmt.Sprintf("env %s=%s GLWATCH_FAULT=%s %s; echo exit=$?", tuiEnv, quote(strings.Join(spec, ",")), quote(faultFile), quote(os.Args[0])), "Enter")

	s.waitScreen(15*time.Second, "a 5x5 matrix of alive", func(screen string) bool {
		rows := matrixRows(screen, c.nodes)
		for _, n := range c.nodes {
			if rows[n] != "●●●●●" {
				return false
			}
		}
		return true
	})
	dead := c.nodes[2]
	if err := WriteFault(faultFile, Fault{Action: "kill-agent", Targets: []string{dead}, Injected: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := c.Agents[2].Shutdown(); err != nil {
		t.Fatal(err)
	}
	screen := s.waitScreen(15*time.Second, dead+" failed in the other rows", func(screen string) bool {
		rows := matrixRows(screen, c.nodes)
		for _, n := range c.nodes {
			want := "●●✗●●"
			if n == dead {
				want = "?????"
			}
			if rows[n] != want {
				return false
			}
		}
		return strings.Contains(screen, "last fault: kill-agent "+dead)
	})
	if path := os.Getenv("GLWATCH_SCREENSHOT"); path != "" {
		if err := os.WriteFile(path, []byte(screen), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	s.run("send-keys", "-t", "w", "?")
	s.waitScreen(5*time.Second, "the help", func(screen string) bool { return strings.Contains(screen, "this help") })
	s.run("send-keys", "-t", "w", "x")
	s.waitScreen(5*time.Second, "the matrix again", func(screen string) bool { return len(matrixRows(screen, c.nodes)) == 5 })

	s.quitRestores()
}

// quitRestores presses q and checks that the shell the TUI ran from has
// its terminal back: the main screen, the cursor shown, and the line
// discipline as it was (icanon, echo).
func (s tmuxSession) quitRestores() {
	s.t.Helper()
	s.run("send-keys", "-t", "w", "q")
	s.waitScreen(10*time.Second, "the shell again", func(screen string) bool { return strings.Contains(screen, "exit=0") })
	if after := s.capture(); strings.Contains(after, "●") || strings.Contains(after, "✗") {
		s.t.Errorf("the matrix is still on the screen after q:\n%s", after)
	}
	if got := strings.TrimSpace(s.run("display-message", "-p", "-t", "w", "alternate=#{alternate_on} cursor=#{cursor_flag}")); got != "alternate=0 cursor=1" {
		s.t.Errorf("after q: %s; want alternate=0 cursor=1", got)
	}
	s.run("send-keys", "-t", "w", "stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo tty-modes", "Enter")
	s.waitScreen(5*time.Second, "the line discipline restored (icanon, echo)", func(screen string) bool {
		return strings.Contains(screen, "icanon echo tty-modes")
	})
}
