package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/core"
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
	l, err := openLab(cmd, env, "")
	if err != nil {
		return err
	}
	defer l.Close()
	if f.node != "" {
		nodes, err := l.Select([]string{f.node}, false)
		if err != nil {
			return err
		}
		if len(nodes) != 1 {
			return fmt.Errorf("--node %q names %d nodes; name one", f.node, len(nodes))
		}
		f.node = nodes[0]
	}
	flavour, err := flavourOf(l, f.agent)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	defer cancel()
	if f.matrix {
		return printMatrix(ctx, env, l, flavour, f.json)
	}
	v, err := l.Members(ctx, flavour, f.node)
	if err != nil {
		return err
	}
	if f.json {
		return writeViewsJSON(env, []provision.View{v})
	}
	fmt.Fprintf(env.Streams.Err, "as %s sees it:\n", v.Node)
	return provision.WriteMembers(env.Streams.Out, v.Members)
}

// printMatrix prints every node's view; it fails, after printing, when
// some node gave no answer, naming which.
func printMatrix(ctx context.Context, env *Env, l *core.Lab, flavour provision.Flavour, asJSON bool) error {
	views, err := l.Matrix(ctx, flavour)
	if err != nil {
		return err
	}
	if asJSON {
		err = writeViewsJSON(env, views)
	} else {
		err = provision.WriteMatrix(env.Streams.Out, views)
	}
	if err != nil {
		return err
	}
	var silent []string
	for _, v := range views {
		if v.Err != nil {
			// Say why a row is all "!": a halted node, a changed host key ...
			fmt.Fprintf(env.Streams.Err, "%s: no answer: %v\n", v.Node, v.Err)
			var down *core.NodeDownError
			if !errors.As(v.Err, &down) { // a node that does not run is no surprise
				silent = append(silent, v.Node)
			}
		}
	}
	if len(silent) > 0 {
		return hint.Errorf("lab provision installs or restarts the agent; the lines above say what each node's SSH or agent answered",
			"%d of %d running nodes gave no answer: %s", len(silent), len(views), lab.Summarize(silent))
	}
	return nil
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

// verifyCluster waits until every running node's agent lists every
// running node alive; on timeout it prints the matrix on stderr and
// returns which nodes do not see whom.
func verifyCluster(ctx context.Context, env *Env, l *core.Lab, flavour provision.Flavour, timeout time.Duration) error {
	conv, err := l.Verify(ctx, flavour, timeout)
	var nc *provision.NotConvergedError
	if errors.As(err, &nc) {
		fmt.Fprintln(env.Streams.Err, "every node's view when the wait ended:")
		_ = provision.WriteMatrix(env.Streams.Err, nc.Views)
		return err
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Streams.Out, "converged: all %d agents see all %d nodes alive (%s)\n", conv.Agents, conv.Nodes, conv.Took.Round(time.Millisecond))
	return nil
}
