package cli

import (
	"context"
	"errors"
	"os/exec"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/core"
)

func newSSHCommand(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ssh NODE [-- COMMAND...]",
		Short: "Open a shell on a node, or run a command there",
		Long: `ssh runs the system's ssh client with the node's endpoint and the lab's key;
the command's output and exit status are ssh's own. Host keys are pinned in
.lab/known_hosts under the node's name on first contact.`,
		Example: `  lab ssh web_1
  lab ssh web_3 -- ip -4 addr show eth1`,
		Args: needArgs("a node name", "lab ssh web_1, or lab ssh web_1 -- COMMAND"),
		RunE: func(cmd *cobra.Command, args []string) error { return runSSH(cmd, env, args) },
	}
	cmd.Flags().SetInterspersed(false)
	return cmd
}

func runSSH(cmd *cobra.Command, env *Env, args []string) error {
	l, err := openLab(cmd, env, "")
	if err != nil {
		return err
	}
	defer l.Close()
	nodes, err := l.Select(args[:1], false)
	if err != nil {
		return err
	}
	if len(nodes) != 1 {
		return hint.Errorf("name a single node, e.g. "+nodes[0], "%q names %d nodes; lab ssh takes one", args[0], len(nodes))
	}
	eps, err := l.Provider.SSHEndpoints(cmd.Context(), l.Lab, nodes)
	if err != nil {
		return err
	}
	bin, err := exec.LookPath("ssh")
	if err != nil {
		return hint.Errorf("install openssh-client", "no ssh client found")
	}
	argv := append(lab.SSHArgs(l.Lab, eps[0]), args[1:]...)
	// Not CommandContext: Ctrl-C reaches ssh itself (same process group),
	// which passes it on or ends the session as ssh users expect.
	c := exec.Command(bin, argv...)
	c.Stdin, c.Stdout, c.Stderr = env.Streams.In, env.Streams.Out, env.Streams.Err
	err = c.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		// 255 is ssh's own failure: say so when the node is down.
		if ee.ExitCode() == 255 {
			if down := nodeDown(cmd.Context(), l, nodes[0]); down != nil {
				hint.Print(env.Streams.Err, "lab", down)
			}
		}
		return &ExitError{Code: ee.ExitCode()}
	}
	return err
}

// nodeDown returns an error with the fix when the provider reports node
// halted or not created, else nil.
func nodeDown(ctx context.Context, l *core.Lab, node string) error {
	st, err := l.Status(ctx)
	if err != nil {
		return nil
	}
	for _, s := range st {
		if s.Node == node && core.IsDown(s.State) {
			return core.DownError(node, s.State)
		}
	}
	return nil
}
