package command

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gossiplab/gossiplab/bench"
	"github.com/gossiplab/gossiplab/internal/buildinfo"
)

// Streams are the program's standard streams.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// logSink is the logger's writer; the progress bar redirects it while it
// is drawn so that log lines print above the bar.
type logSink struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *logSink) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

func (s *logSink) redirect(w io.Writer) (restore func()) {
	s.mu.Lock()
	old := s.w
	s.w = w
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.w = old
		s.mu.Unlock()
	}
}

// env is what every command shares.
type env struct {
	streams  Streams
	sink     *logSink
	level    *slog.LevelVar
	log      *slog.Logger
	registry *bench.Registry
}

// NewRoot returns the bench command with its verbs. backends builds the
// registry of backends `bench converge` can run, given the logger.
func NewRoot(streams Streams, backends func(*slog.Logger) *bench.Registry) *cobra.Command {
	e := &env{streams: streams, sink: &logSink{w: streams.Err}, level: new(slog.LevelVar)}
	e.log = slog.New(slog.NewTextHandler(e.sink, &slog.HandlerOptions{Level: e.level}))
	e.registry = backends(e.log)
	var logLevel string
	root := &cobra.Command{
		Use:   "bench",
		Short: "Measure how fast a gossip cluster converges, and how well models predict it",
		Long: `bench runs convergence experiments on an in-process memberlist cluster, a
running lab, the simulator and Serf's closed-form model, and writes samples,
a summary, plots and a report into a new results directory.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildinfo.Read().Version,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			var l slog.Level
			if err := l.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("bad --log-level %q\nhint: use debug, info, warn or error", logLevel)
			}
			e.level.Set(l)
			return nil
		},
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.Err)
	root.PersistentFlags().StringVar(&logLevel, "log-level", "warn", "log level on stderr: debug, info, warn or error")
	root.AddCommand(newConvergeCommand(e), newReportCommand(e), newVersionCommand(e))
	return root
}

// isTerminal reports whether w is a terminal wide enough for a progress
// bar (a pseudo-terminal without a size, as under `script`, is not).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false
	}
	width, _, err := term.GetSize(int(f.Fd()))
	return err == nil && width >= 40
}
