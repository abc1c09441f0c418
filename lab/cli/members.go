package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/provision"
)

type membersFlags struct {
	node    string
	json    bool
	matrix  bool
	agent   string
	timeout time.Duration
}

func newMembersCommand(env *Env) *cobra.Command {
	f := &membersFlags{}
	cmd := &cobra.Command{
		Use:   "members",
		Short: "Show the cluster as one node's agent sees it, or every node's view at once (--matrix)",
		Long: `members asks a node's agent for its member list over SSH and prints it in
serf members columns (name, address, status, tags): the first node that
answers, or --node NODE.

--matrix asks every node and prints one row per observer and one column per
node (A alive, S suspect, F failed, L left, l leaving, ? not listed, ! no
answer), so a split view shows at a glance.`,
		Example: `  lab members
  lab members --node web_3 --json
  lab members --matrix`,
		Args: noArgs(func(arg string) string {
			return "ask one node's agent with lab members --node " + arg
		}),
		RunE: func(cmd *cobra.Command, _ []string) error { return runMembers(cmd, env, f) },
	}
	cmd.Flags().StringVar(&f.node, "node", "", "ask this node's agent (default: the first that answers)")
	cmd.Flags().BoolVar(&f.json, "json", false, "print JSON")
	cmd.Flags().BoolVar(&f.matrix, "matrix", false, "every node's view of every node")
	cmd.Flags().StringVar(&f.agent, "agent", "", "agent on the nodes: labagent or serf (default: what lab provision installed)")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 30*time.Second, "limit for reaching the nodes")
	return cmd
}

func runMembers(cmd *cobra.Command, env *Env, f *membersFlags) error {
	if err := checkAgentFlag(f.agent); err != nil {
		return err
	}
	if err := positive("--timeout", f.timeout); err != nil {
		return err
	}
	var args []string
	if f.node != "" {
		args = []string{f.node}
	}
	r, err := openReachable(cmd, env, args, false)
	if err != nil {
		return err
	}
	flavour, err := flavourOf(r.lab, f.agent)
	if err != nil {
		return err
	}
	if f.node != "" && len(r.nodes) != 1 {
		return fmt.Errorf("--node %q names %d nodes; name one", f.node, len(r.nodes))
	}
	layout := provision.Layout{Name: string(flavour)}
	eps, down := splitDown(cmd.Context(), r)
	if len(eps) == 0 && len(down) > 1 {
		return fmt.Errorf("no node of lab %s is running (%s)\nhint: lab up boots them", r.lab.Spec.Name, lab.Summarize(r.nodes))
	}
	if f.matrix {
		// Half the time to reach the nodes, half to ask them: a node that
		// is down must not eat the time of the others.
		dctx, dcancel := context.WithTimeout(cmd.Context(), f.timeout/2)
		defer dcancel()
		clients, views := dialAll(dctx, env, r.lab, eps, f.timeout/2)
		views = append(views, down...)
		defer closeAll(clients)
		cctx, ccancel := context.WithTimeout(cmd.Context(), f.timeout/2)
		defer ccancel()
		views = append(views, provision.CollectViews(cctx, clients, layout, "")...)
		sortViews(r.nodes, views)
		if f.json {
			return writeViewsJSON(env, views)
		}
		if err := provision.WriteMatrix(env.Streams.Out, views); err != nil {
			return err
		}
		// Say why a row is all "!": a halted node, a changed host key ...
		for _, v := range views {
			if v.Err != nil {
				fmt.Fprintf(env.Streams.Err, "%s: no answer: %v\n", v.Node, v.Err)
			}
		}
		return nil
	}
	// One view: the first node that answers.
	ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	defer cancel()
	var errs []error
	for _, v := range down {
		errs = append(errs, v.Err)
	}
	for _, ep := range eps {
		c, err := provision.Dial(ctx, toEndpoint(ep), provision.NewKnownHosts(r.lab.Paths.KnownHosts()), provision.DialOptions{Timeout: 5 * time.Second, KeepaliveInterval: -1, Logger: env.Logger})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ms, err := provision.Members(ctx, c, layout, "")
		c.Close()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if f.json {
			return writeViewsJSON(env, []provision.View{{Node: ep.Node, Members: ms}})
		}
		fmt.Fprintf(env.Streams.Err, "as %s sees it:\n", ep.Node)
		return provision.WriteMembers(env.Streams.Out, ms)
	}
	return fmt.Errorf("no agent answered: %w\nhint: lab status shows which nodes run; lab provision installs the agent", errors.Join(errs...))
}

// splitDown sets apart the nodes the provider reports halted or not
// created, as views saying so, so that nobody waits for their SSH to time
// out. When the provider cannot tell, every node is tried.
func splitDown(ctx context.Context, r *reachable) ([]lab.SSHEndpoint, []provision.View) {
	statuses, err := r.prov.Status(ctx, r.lab)
	if err != nil {
		return r.eps, nil
	}
	state := map[string]lab.NodeState{}
	for _, s := range statuses {
		state[s.Node] = s.State
	}
	var up []lab.SSHEndpoint
	var down []provision.View
	for _, ep := range r.eps {
		if st := state[ep.Node]; isDown(st) {
			down = append(down, provision.View{Node: ep.Node, Err: fmt.Errorf("node %q is %s", ep.Node, st)})
			continue
		}
		up = append(up, ep)
	}
	return up, down
}

// viewJSON is one observer's view in --json output.
type viewJSON struct {
	Node    string             `json:"node"`
	Members []provision.Member `json:"members"`
	Error   string             `json:"error,omitempty"`
}

func writeViewsJSON(env *Env, views []provision.View) error {
	out := make([]viewJSON, len(views))
	for i, v := range views {
		out[i] = viewJSON{Node: v.Node, Members: v.Members}
		if v.Err != nil {
			out[i].Error = v.Err.Error()
		}
	}
	enc := json.NewEncoder(env.Streams.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func toEndpoint(ep lab.SSHEndpoint) provision.Endpoint {
	return provision.Endpoint{Node: ep.Node, Host: ep.Host, Port: ep.Port, User: ep.User, IdentityFile: ep.IdentityFile}
}

// dialAll connects to every endpoint at once. Nodes that cannot be
// reached come back as views holding the error.
func dialAll(ctx context.Context, env *Env, l *lab.Lab, eps []lab.SSHEndpoint, timeout time.Duration) ([]*provision.Client, []provision.View) {
	hosts := provision.NewKnownHosts(l.Paths.KnownHosts())
	clients := make([]*provision.Client, len(eps))
	errs := make([]error, len(eps))
	var wg sync.WaitGroup
	for i, ep := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			clients[i], errs[i] = provision.Dial(ctx, toEndpoint(ep), hosts, provision.DialOptions{Timeout: timeout, Logger: env.Logger})
		}()
	}
	wg.Wait()
	var ok []*provision.Client
	var failed []provision.View
	for i, c := range clients {
		if errs[i] != nil {
			failed = append(failed, provision.View{Node: eps[i].Node, Err: errs[i]})
			continue
		}
		ok = append(ok, c)
	}
	return ok, failed
}

func closeAll(clients []*provision.Client) {
	for _, c := range clients {
		c.Close()
	}
}

// sortViews orders views as the lab's nodes.
func sortViews(order []string, views []provision.View) {
	pos := map[string]int{}
	for i, n := range order {
		pos[n] = i
	}
	slices.SortStableFunc(views, func(a, b provision.View) int { return pos[a.Node] - pos[b.Node] })
}

// verifyCluster waits until every running node's agent lists every
// running node alive; on timeout it prints the matrix on stderr and
// returns which nodes do not see whom.
func verifyCluster(ctx context.Context, env *Env, l *lab.Lab, prov lab.Provider, layout provision.Layout, timeout time.Duration) error {
	start := time.Now()
	statuses, err := prov.Status(ctx, l)
	if err != nil {
		return err
	}
	var running []string
	for _, s := range statuses {
		if s.State == lab.StateRunning {
			running = append(running, s.Node)
		}
	}
	eps, err := prov.SSHEndpoints(ctx, l, running)
	if err != nil {
		return err
	}
	vctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	clients, unreachable := dialAll(vctx, env, l, eps, timeout)
	defer closeAll(clients)
	if len(unreachable) > 0 {
		return fmt.Errorf("verify: cannot reach %d nodes:\n  %s", len(unreachable), strings.Join(provision.Disagreements(unreachable, nil), "\n  "))
	}
	views, err := provision.WaitConverged(vctx, clients, layout, "", running, 250*time.Millisecond)
	var nc *provision.NotConvergedError
	if errors.As(err, &nc) {
		sortViews(running, views)
		fmt.Fprintln(env.Streams.Err, "every node's view when the wait ended:")
		_ = provision.WriteMatrix(env.Streams.Err, views)
		return err
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Streams.Out, "converged: all %d agents see all %d nodes alive (%s)\n", len(clients), len(running), time.Since(start).Round(time.Millisecond))
	return nil
}
