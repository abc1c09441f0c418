package cli

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gossiplab/gossiplab/lab/chaos"
	"github.com/gossiplab/gossiplab/lab/watch"
	"github.com/gossiplab/gossiplab/provision"
)

type watchFlags struct {
	interval time.Duration
	once     bool
	json     bool
	noColor  bool
	ascii    bool
	agent    string
	all      bool
}

func newWatchCommand(env *Env) *cobra.Command {
	f := &watchFlags{}
	cmd := &cobra.Command{
		Use:   "watch [NODES]",
		Short: "Watch every node's view of the cluster live: the full who-sees-whom matrix",
		Long: `watch shows, full screen, the membership matrix of the lab as it changes: one
row per observer (NODES, or every node), one column per member, each cell the
member's state as that observer sees it (alive, suspect, failed, leaving,
left, not listed, or no answer), in colour and with a character of its own.
Beside each row its agreement with the majority; below, the cluster-wide
agreement, the latest events from the agents' journals, and the last fault
lab chaos injected with the time since.

It keeps one follow of each observer's journal (labagent journal -follow; on
Serf, serf monitor) over the lab's SSH connections, not a member list every
interval. Keys: q quit, p pause, arrows, pgup/pgdn scroll, z zoom, / filter
nodes, ? help.

--once prints the matrix once as text and exits (non-zero when an observer
gives no answer); --json streams a snapshot, then one JSON line per change.`,
		Example: `  lab watch
  lab watch 'web_[1-10]' --interval 500ms
  lab watch --once --no-color
  lab watch --json | jq 'select(.type == "cell")'`,
		RunE: func(cmd *cobra.Command, args []string) error { return runWatch(cmd, env, f, args) },
	}
	cmd.Flags().DurationVar(&f.interval, "interval", time.Second, "screen refresh and resync pace")
	cmd.Flags().BoolVar(&f.once, "once", false, "print the matrix once as text and exit")
	cmd.Flags().BoolVar(&f.json, "json", false, "stream JSON lines: a snapshot, then one line per change")
	cmd.Flags().BoolVar(&f.noColor, "no-color", false, "no colour (each state keeps its own character)")
	cmd.Flags().BoolVar(&f.ascii, "ascii", false, "ASCII characters for the states (A S F g L . ?)")
	cmd.Flags().StringVar(&f.agent, "agent", "", "agent on the nodes: labagent or serf (default: what lab provision installed)")
	cmd.Flags().BoolVar(&f.all, "all", false, "every node (the default without NODES)")
	return cmd
}

func runWatch(cmd *cobra.Command, env *Env, f *watchFlags, args []string) error {
	if err := positive("--interval", f.interval); err != nil {
		return err
	}
	if err := checkAgentFlag(f.agent); err != nil {
		return err
	}
	if f.once && f.json {
		return errors.New("--once and --json are two ways to print: pick one")
	}
	l, err := openLab(cmd, env, "")
	if err != nil {
		return err
	}
	defer l.Close()
	observers := l.NodeNames()
	if len(args) > 0 {
		if observers, err = l.Select(args, f.all); err != nil {
			return err
		}
	}
	flavour, err := flavourOf(l, f.agent)
	if err != nil {
		return err
	}
	feed, err := watch.NewFeed(watch.Config{
		Runner: poolRunner{l.Pool()}, Agent: watchAgent(flavour),
		Observers: observers, Nodes: l.NodeNames(), Interval: f.interval,
		FaultFile: l.Paths.LastFault(), Logger: env.Logger,
	})
	if err != nil {
		return err
	}
	return showWatch(cmd.Context(), env, f, feed)
}

// showWatch runs the view the flags ask for.
func showWatch(ctx context.Context, env *Env, f *watchFlags, feed *watch.Feed) error {
	glyphs := watch.UnicodeGlyphs()
	if f.ascii {
		glyphs = watch.ASCIIGlyphs()
	}
	out := env.Streams.Out
	colour := !f.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(out)
	opts := watch.Options{Palette: watch.NewPalette(lipgloss.NewRenderer(out), glyphs, colour)}
	switch {
	case f.json:
		return watch.JSON(ctx, feed, out)
	case f.once || !isTerminal(out):
		width := 0
		if fd, ok := out.(*os.File); ok && isTerminal(out) {
			width, _, _ = term.GetSize(int(fd.Fd()))
		}
		return watch.Once(ctx, feed, out, width, opts)
	}
	return watch.RunTUI(ctx, feed, env.Streams.In, out, opts)
}

// watchAgent is how the feed reads the flavour's agent: its journal, or
// its log stream.
func watchAgent(flavour provision.Flavour) watch.Agent {
	cli := chaos.AgentFor(flavour)
	if flavour.Journal() {
		return watch.Labagent(cli.Cmd)
	}
	return watch.Serf(cli.Cmd)
}

// poolRunner runs the feed's commands over the session's SSH pool.
type poolRunner struct{ p *provision.Pool }

func (r poolRunner) Run(ctx context.Context, node, cmd string) ([]byte, error) {
	return r.p.Run(ctx, node, cmd, nil)
}

func (r poolRunner) Stream(ctx context.Context, node, cmd string, each func([]byte)) error {
	return r.p.Follow(ctx, node, cmd, each)
}

var _ watch.Runner = poolRunner{}
