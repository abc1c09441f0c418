package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// Streams are where a command reads and writes: program output goes to
// Out, logs and progress to Err.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// Env is what every command is given by main.
type Env struct {
	Logger    *slog.Logger
	Streams   Streams
	Providers *lab.Registry
	// Now is the clock (tests fix it); nil means time.Now.
	Now func() time.Time
	// Version is the lab binary's version.
	Version string
	// SelfAgent is the lab binary's own executable, which is also the
	// agent (see core.Options.SelfAgent); empty when it is not.
	SelfAgent string
}

// ExitError asks main to exit with Code without printing anything more:
// the command already said why.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ExitCode returns the exit status for err: 0 for nil, the ExitError's
// code, or 1.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return 1
}

// NewRoot builds the lab command tree.
func NewRoot(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "lab",
		Short: "Build, boot and break gossip-cluster labs, and measure how fast they converge",
		Long: `lab writes a lab of N nodes (lab.hcl and a Vagrantfile with unique SSH ports
and IPs), checks that it fits this host, boots it with Vagrant (VirtualBox or
libvirt) or as Linux network namespaces, provisions a gossip agent on every
node, and injects faults while measuring what every node saw.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       env.Version,
	}
	root.SetIn(env.Streams.In)
	root.SetOut(env.Streams.Out)
	root.SetErr(env.Streams.Err)
	root.PersistentFlags().StringP("dir", "C", ".", "lab directory (holds lab.hcl, the Vagrantfile and .lab/)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return hint.Errorf(fmt.Sprintf("%s --help lists its flags", c.CommandPath()), "%w", err)
	})
	root.AddCommand(
		newInitCommand(env),
		newPlanCommand(env),
		newUpCommand(env),
		newStatusCommand(env),
		newHaltCommand(env),
		newReloadCommand(env),
		newDestroyCommand(env),
		newSSHCommand(env),
		newSSHConfigCommand(env),
		newDoctorCommand(env),
		newProvisionCommand(env),
		newMembersCommand(env),
		newChaosCommand(env),
		newVersionCommand(env),
		newWatchCommand(env),
		newBoxCommand(env),
	)
	return root
}

func labDir(cmd *cobra.Command) string {
	d, _ := cmd.Flags().GetString("dir")
	if d == "" {
		d = "."
	}
	return d
}

// Run executes the command line and prints a failure once, on Err.
// It returns the process exit status.
func Run(ctx context.Context, env *Env, args []string) int {
	root := NewRoot(env)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	err = labHints(err)
	var ee *ExitError
	if err != nil && !errors.As(err, &ee) {
		if cmd == root && !hint.Has(err) {
			// An unknown command (with cobra's suggestions, if any).
			err = hint.Wrap(errors.New(strings.TrimSpace(err.Error())), "lab --help lists the commands")
		}
		hint.Print(env.Streams.Err, "lab", err)
	}
	return ExitCode(err)
}

// noArgs is cobra.NoArgs in lab's words: the command, what it got and,
// when fix is nil, where its usage is.
func noArgs(fix func(arg string) string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		h := cmd.CommandPath() + " --help shows its usage"
		if fix != nil {
			h = fix(args[0])
		}
		return hint.Errorf(h, "%s takes no arguments (got %q)", cmd.CommandPath(), args[0])
	}
}

// needArgs is cobra.MinimumNArgs(1) in lab's words: what is missing and
// an example.
func needArgs(what, example string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return nil
		}
		return hint.Errorf(example, "%s needs %s", cmd.CommandPath(), what)
	}
}
