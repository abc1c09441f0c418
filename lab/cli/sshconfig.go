package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/lab"
)

func newSSHConfigCommand(env *Env) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "ssh-config [NODES]",
		Short: "Print an OpenSSH config for the nodes, like vagrant ssh-config",
		Long: `ssh-config prints one Host block per node (all, or those named) so that
plain ssh, scp and Ansible reach the nodes by name:

  lab ssh-config > .lab/ssh_config && ssh -F .lab/ssh_config web_1`,
		RunE: func(cmd *cobra.Command, args []string) error { return runSSHConfig(cmd, env, args, all) },
	}
	cmd.Flags().BoolVar(&all, "all", false, "every node (the default without NODES)")
	return cmd
}

func runSSHConfig(cmd *cobra.Command, env *Env, args []string, all bool) error {
	l, err := openLab(cmd, env, "")
	if err != nil {
		return err
	}
	defer l.Close()
	names := l.NodeNames()
	if len(args) > 0 {
		if names, err = l.Select(args, all); err != nil {
			return err
		}
	}
	eps, err := l.Endpoints(cmd.Context(), names)
	if err != nil {
		return err
	}
	st, _ := l.Status(cmd.Context())
	state := map[string]lab.NodeState{}
	for _, s := range st {
		state[s.Node] = s.State
	}
	var b strings.Builder
	var left []string
	for _, ep := range eps {
		if ep.User == "" { // the provider gives no endpoint: not running
			left = append(left, fmt.Sprintf("%s (%s)", ep.Node, state[ep.Node]))
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "Host %s\n  HostName %s\n  User %s\n  Port %d\n", ep.Node, ep.Host, ep.User, ep.Port)
		for _, o := range lab.SSHOptions(l.Lab, ep) {
			fmt.Fprintf(&b, "  %s %s\n", o[0], o[1])
		}
	}
	if len(left) > 0 {
		fmt.Fprintf(env.Streams.Err, "lab: left out, not running: %s\nhint: lab up boots them\n", strings.Join(left, ", "))
	}
	_, err = fmt.Fprint(env.Streams.Out, b.String())
	return err
}
