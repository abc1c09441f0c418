package command

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// Streams are the command's standard streams: program output on Out,
// logs and errors on Err.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// Env looks up environment variables (os.Getenv in main).
type Env func(string) string

// Command is one labagent subcommand.
type Command struct {
	Name     string
	Synopsis string
	// OwnSignals: the command handles SIGINT/SIGTERM itself (the agent).
	OwnSignals bool
	Run        func(ctx context.Context, args []string) error
}

// usageError marks bad command-line use (exit status 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// Commands returns every subcommand, sorted by name.
func Commands(s Streams, env Env) []Command {
	cs := []Command{
		NewAgentCommand(s, env),
		NewMembersCommand(s, env),
		NewJoinCommand(s, env),
		NewLeaveCommand(s, env),
		NewForceLeaveCommand(s, env),
		NewEventCommand(s, env),
		NewTagsCommand(s, env),
		NewMonitorCommand(s, env),
		NewJournalCommand(s, env),
		NewKeysCommand(s, env),
		NewKeygenCommand(s, env),
		NewFaultCommand(s, env),
		NewInfoCommand(s, env),
		NewVersionCommand(s, env),
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	return cs
}

// Main runs the subcommand named by args[0] and returns the exit status:
// 0 success, 1 failure, 2 bad usage, 128+N when signal N (SIGINT,
// SIGTERM) interrupted a client command. Errors are printed once, here.
func Main(ctx context.Context, args []string, s Streams, env Env) int {
	cmds := Commands(s, env)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		printUsage(s.Err, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range cmds {
		if c.Name != args[0] {
			continue
		}
		if !c.OwnSignals {
			var stop func()
			ctx, stop = withSignals(ctx)
			defer stop()
		}
		err := c.Run(ctx, args[1:])
		prog := "labagent " + c.Name
		if ie, ok := interruption(ctx, err); ok {
			hint.Print(s.Err, prog, ie)
			return ie.exitStatus()
		}
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, new(usageError)):
			hint.Print(s.Err, prog, err)
			return 2
		default:
			hint.Print(s.Err, prog, err)
			return 1
		}
	}
	hint.Print(s.Err, "labagent", hint.Errorf("run `labagent help` for the list", "unknown command %q", args[0]))
	return 2
}

func printUsage(w io.Writer, cmds []Command) {
	fmt.Fprintln(w, "usage: labagent COMMAND [flags] [args]")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, c := range cmds {
		fmt.Fprintf(tw, "  %s\t%s\n", c.Name, c.Synopsis)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\nRun `labagent COMMAND -h` for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name, usage string, s Streams) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(s.Err)
	fs.Usage = func() {
		fmt.Fprintf(s.Err, "usage: labagent %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return flagAfterArgs(fs)
}

// flagAfterArgs refuses a flag of fs given after the positional
// arguments: the standard library stops parsing at the first argument,
// so `labagent join ADDR -rpc-addr A` would otherwise ask the default
// agent to join "-rpc-addr" and "A", and `event NAME -coalesce=false`
// would send "-coalesce=false" as the payload.
func flagAfterArgs(fs *flag.FlagSet) error {
	for _, a := range fs.Args() {
		if a == "--" {
			return nil
		}
		name, ok := strings.CutPrefix(a, "-")
		if !ok {
			continue
		}
		name = strings.TrimPrefix(name, "-")
		name, _, _ = strings.Cut(name, "=")
		if fs.Lookup(name) != nil {
			return usageError{hint.Errorf("put flags before the arguments: labagent "+fs.Name()+" [flags] ARGS", "flag %s after the arguments", a)}
		}
	}
	return nil
}

// rpcFlags are the flags every client command takes.
type rpcFlags struct {
	addr, token string
	timeout     time.Duration
}

func (r *rpcFlags) register(fs *flag.FlagSet, env Env) {
	addr := env("LABAGENT_RPC_ADDR")
	if addr == "" {
		addr = rpc.DefaultAddr
	}
	fs.StringVar(&r.addr, "rpc-addr", addr, "agent RPC address (env LABAGENT_RPC_ADDR)")
	fs.StringVar(&r.token, "rpc-token", env("LABAGENT_RPC_TOKEN"), "agent RPC token (env LABAGENT_RPC_TOKEN)")
	fs.DurationVar(&r.timeout, "timeout", defaultTimeout, "give up when the agent has not answered within this long; for monitor and journal -follow, bounds connecting and presenting the token (0: wait forever)")
}

// defaultTimeout is longer than the agent takes for its slowest command
// (join: 30 s).
const defaultTimeout = time.Minute

// withTimeout bounds ctx by the -timeout flag.
func (r *rpcFlags) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, r.timeout)
}

// explain turns the timeout of tctx (not of ctx) into an error that says
// what happened.
func (r *rpcFlags) explain(ctx, tctx context.Context, err error) error {
	if err != nil && ctx.Err() == nil && errors.Is(tctx.Err(), context.DeadlineExceeded) {
		return hint.Errorf("the agent may be stopped or overloaded; -timeout 0 waits forever", "no answer from the agent at %s within %s: %w", r.addr, r.timeout, context.DeadlineExceeded)
	}
	return err
}

// dial connects to the agent and presents the token within -timeout.
func (r *rpcFlags) dial(ctx context.Context) (*rpc.Client, error) {
	tctx, cancel := r.withTimeout(ctx)
	defer cancel()
	c, err := rpc.Dial(tctx, r.addr, r.token)
	return c, r.explain(ctx, tctx, err)
}

// call runs one RPC request within -timeout.
func (r *rpcFlags) call(ctx context.Context, command string, args, result any) error {
	tctx, cancel := r.withTimeout(ctx)
	defer cancel()
	c, err := rpc.Dial(tctx, r.addr, r.token)
	if err != nil {
		return r.explain(ctx, tctx, err)
	}
	defer c.Close()
	return r.explain(ctx, tctx, c.Call(tctx, command, args, result))
}

// noArgs refuses positional arguments.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usageError{hint.Errorf("flags go before arguments; see -h", "unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// addrList is a repeatable address flag that also splits on commas
// ("-join a,b" and "-join a -join b").
type addrList struct{ p *[]string }

func (l addrList) String() string {
	if l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l addrList) Set(v string) error {
	for _, a := range strings.Split(v, ",") {
		if a = strings.TrimSpace(a); a != "" {
			*l.p = append(*l.p, a)
		}
	}
	return nil
}

// table writes aligned columns (two spaces apart, like `serf members`)
// without trailing spaces; call Flush.
type table struct {
	tw  *tabwriter.Writer
	buf bytes.Buffer
	out io.Writer
}

func newTable(w io.Writer) *table {
	t := &table{out: w}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 8, 2, ' ', 0)
	return t
}

func (t *table) Write(p []byte) (int, error) { return t.tw.Write(p) }

// Flush aligns what was written and passes it on.
func (t *table) Flush() error {
	if err := t.tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(t.buf.String(), "\n") {
		if trimmed, ok := strings.CutSuffix(l, "\n"); ok {
			b.WriteString(strings.TrimRight(trimmed, " "))
			b.WriteByte('\n')
		} else {
			b.WriteString(l)
		}
	}
	t.buf.Reset()
	_, err := io.WriteString(t.out, b.String())
	return err
}

// kvFlag is a repeatable k=v flag.
type kvFlag map[string]string

func (m kvFlag) String() string { return "" }
func (m kvFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not key=value", v)
	}
	m[k] = val
	return nil
}

// checkFormat accepts text or json.
func checkFormat(f string) error {
	if f != "text" && f != "json" {
		return usageError{hint.Errorf("use -format text or -format json", "unknown format %q", f)}
	}
	return nil
}
