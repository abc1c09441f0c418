package watch

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/agenttest"
	"github.com/gossiplab/gossiplab/agent/command"
)

// The test binary stands in for two programs when these are set: the
// labagent client (so that the local runner runs the real client
// commands against the agents' RPC servers) and the watch TUI that the
// tmux test shows (see tuiHelper).
const (
	labagentEnv = "GLWATCH_LABAGENT"
	tuiEnv      = "GLWATCH_TUI"
)

func TestMain(m *testing.M) {
	switch {
	case os.Getenv(labagentEnv) != "":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := command.Main(ctx, os.Args[1:], command.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.Getenv)
		stop()
		os.Exit(code)
	case os.Getenv(tuiEnv) != "":
		os.Exit(tuiHelper(os.Getenv(tuiEnv)))
	}
	os.Exit(m.Run())
}

// localRunner runs commands on this machine as if on the nodes: each
// node's commands get LABAGENT_RPC_ADDR set to its agent's RPC address,
// and "labagent" is this test binary.
type localRunner struct {
	addrs map[string]string // node -> RPC address
}

var _ Runner = (*localRunner)(nil)

// labagentCmd renders the labagent client command with this binary.
func labagentCmd(sub string, args ...string) string {
	parts := []string{quote(os.Args[0]), sub}
	for _, a := range args {
		parts = append(parts, quote(a))
	}
	return strings.Join(parts, " ")
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (r *localRunner) command(ctx context.Context, node, cmd string) (*exec.Cmd, error) {
	addr, ok := r.addrs[node]
	if !ok {
		return nil, fmt.Errorf("no node %q", node)
	}
	c := exec.CommandContext(ctx, "sh", "-c", cmd)
	c.Env = append(os.Environ(), labagentEnv+"=1", "LABAGENT_RPC_ADDR="+addr, "SERF_RPC_ADDR="+addr)
	c.WaitDelay = 2 * time.Second
	return c, nil
}

func (r *localRunner) Run(ctx context.Context, node, cmd string) ([]byte, error) {
	c, err := r.command(ctx, node, cmd)
	if err != nil {
		return nil, err
	}
	var stderr strings.Builder
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		return out, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// Stream keeps the command's standard input open until ctx ends, then
// closes it, as an SSH session does when its client goes away.
func (r *localRunner) Stream(ctx context.Context, node, cmd string, each func([]byte)) error {
	c, err := r.command(context.WithoutCancel(ctx), node, cmd)
	if err != nil {
		return err
	}
	stdin, err := c.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := c.StdoutPipe()
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = stdin.Close() })
	defer stop()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		each(sc.Bytes())
	}
	err = c.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// cluster is n in-process labagent agents web_1... on 127.0.S.x, each
// with its RPC server on its own address, port 7373: with agenttest's
// fast timers, or with lan, the LAN profile's (as deployed; fast timers
// make a large cluster in one process flap on a busy machine).
type cluster struct {
	*agenttest.Cluster
	nodes []string
	addrs map[string]string
}

func startCluster(t testing.TB, ctx context.Context, n int, lan bool) *cluster {
	t.Helper()
	subnet := agenttest.SubnetFor("watchui/" + t.Name())
	c := &cluster{addrs: map[string]string{}}
	c.Cluster = agenttest.NewCluster(t, ctx, n, agenttest.Options{
		Subnet: subnet,
		Prefix: "web_",
		Configure: func(i int, cfg *agent.Config) {
			cfg.NodeName = fmt.Sprintf("web_%d", i+1) // as a lab names them
			cfg.RPCAddr = agenttest.Addr(subnet, i).String() + ":7373"
			if lan {
				cfg.Profile, cfg.Tuning = "lan", agent.Tuning{}
			}
		},
	})
	for i, a := range c.Agents {
		c.nodes = append(c.nodes, a.Name())
		c.addrs[a.Name()] = agenttest.Addr(subnet, i).String() + ":7373"
	}
	c.WaitConverged(t, 60*time.Second)
	return c
}

// waitMatrix waits until cond holds for the matrix's view.
func waitMatrix(t testing.TB, m *Matrix, timeout time.Duration, cond func(View) (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		ok, why := cond(m.View())
		if ok {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("not reached within %s: %s", timeout, why)
		}
		select {
		case <-m.Notify():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// allAliveCond holds when every observer answers and sees every node alive.
func allAliveCond(nodes []string) func(View) (bool, string) {
	return func(v View) (bool, string) {
		for i, o := range v.Observers {
			if !v.Answered[i] {
				return false, o + " has not answered"
			}
			for j, m := range v.Members {
				if v.Cells[i][j] != Alive {
					return false, fmt.Sprintf("%s sees %s %s", o, m, v.Cells[i][j])
				}
			}
		}
		return len(v.Members) == len(nodes), fmt.Sprintf("members %v", v.Members)
	}
}

// failedCond holds when every observer but dead sees dead failed and
// dead's own row gives no answer.
func failedCond(dead string) func(View) (bool, string) {
	return func(v View) (bool, string) {
		var wrong []string
		col := -1
		for j, m := range v.Members {
			if m == dead {
				col = j
			}
		}
		for i, o := range v.Observers {
			switch {
			case o == dead && v.Answered[i]:
				wrong = append(wrong, o+" still answers")
			case o != dead && v.Cells[i][col] != Failed:
				wrong = append(wrong, fmt.Sprintf("%s sees %s %s", o, dead, v.Cells[i][col]))
			}
		}
		return len(wrong) == 0, strings.Join(wrong, ", ")
	}
}
