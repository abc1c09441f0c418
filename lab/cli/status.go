package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/core"
)

type statusFlags struct {
	json bool
	all  bool
}

// nodeStatus is one row of lab status, and its JSON form.
type nodeStatus struct {
	Node     string        `json:"node"`
	Hostname string        `json:"hostname"`
	State    lab.NodeState `json:"state"`
	Detail   string        `json:"detail,omitempty"`
	IP       string        `json:"ip"`
	SSH      string        `json:"ssh"`
	Agent    string        `json:"agent,omitempty"`
}

func newStatusCommand(env *Env) *cobra.Command {
	f := &statusFlags{}
	cmd := &cobra.Command{
		Use:   "status [NODES]",
		Short: "Show each node's state, IP, SSH endpoint and the agent provisioned on it",
		Long: `status asks the provider for the state of the lab's nodes (all, or those
named) and prints one row per node; --json prints the same as a JSON array.
AGENT is the agent and version lab provision last installed (from the lab's
state file), not whether it runs now: lab members shows what the agents see.`,
		Example: `  lab status
  lab status 'web_[1-5]' --json`,
		RunE: func(cmd *cobra.Command, args []string) error { return runStatus(cmd, env, f, args) },
	}
	cmd.Flags().BoolVar(&f.json, "json", false, "print JSON")
	cmd.Flags().BoolVar(&f.all, "all", false, "every node (the default without NODES)")
	return cmd
}

func runStatus(cmd *cobra.Command, env *Env, f *statusFlags, args []string) error {
	l, err := openLab(cmd, env, "")
	if err != nil {
		return err
	}
	defer l.Close()
	names := l.NodeNames()
	if len(args) > 0 {
		if names, err = l.Select(args, f.all); err != nil {
			return err
		}
	}
	rows, err := statusRows(cmd.Context(), l, names)
	if err != nil {
		return err
	}
	if err := printStatus(env, rows, f.json); err != nil {
		return err
	}
	// The AGENT column comes from the state file: say when it cannot.
	return l.StateWarning()
}

// statusRows is one row per node of names.
func statusRows(ctx context.Context, l *core.Lab, names []string) ([]nodeStatus, error) {
	statuses, err := l.Status(ctx)
	if err != nil {
		return nil, err
	}
	eps, err := l.Endpoints(ctx, names)
	if err != nil {
		return nil, err
	}
	byNode := map[string]lab.NodeStatus{}
	for _, s := range statuses {
		byNode[s.Node] = s
	}
	st := l.State()
	rows := make([]nodeStatus, 0, len(names))
	for i, name := range names {
		n, _ := l.Node(name)
		s, ok := byNode[name]
		if !ok {
			s = lab.NodeStatus{Node: name, State: lab.StateUnknown}
		}
		row := nodeStatus{Node: name, Hostname: n.Hostname, State: s.State, Detail: s.Detail, IP: n.IP.String(),
			SSH: eps[i].Host + ":" + strconv.Itoa(eps[i].Port)}
		if eps[i].User != "" { // none for a node the provider runs no SSH for
			row.SSH = eps[i].User + "@" + row.SSH
		}
		if l.StateWarning() == nil {
			if e := st.Node(name); e != nil {
				row.Agent = e.Agent
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func printStatus(env *Env, rows []nodeStatus, asJSON bool) error {
	out := env.Streams.Out
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tSTATE\tIP\tSSH\tAGENT")
	for _, r := range rows {
		agent := r.Agent
		if agent == "" {
			agent = "-"
		}
		state := string(r.State)
		if r.Detail != "" && r.Detail != state {
			state += " (" + r.Detail + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Node, state, r.IP, r.SSH, agent)
	}
	return tw.Flush()
}
