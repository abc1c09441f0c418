package command

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/internal/hint"
)

type agentFlags struct {
	layer       agent.FileConfig // what the flags set; nil fields were not given
	configFiles stringList
	configDirs  stringList
}

// NewAgentCommand is `labagent agent`: run the agent until a signal or an
// RPC leave.
func NewAgentCommand(s Streams, env Env) Command {
	return Command{
		Name:       "agent",
		Synopsis:   "run the gossip agent (Serf-style flags; JSON config files)",
		OwnSignals: true,
		Run: func(ctx context.Context, args []string) error {
			var f agentFlags
			fs := newFlagSet("agent [flags]", "agent [flags]", s)
			f.register(fs)
			if err := parse(fs, args); err != nil {
				return err
			}
			if err := noArgs(fs); err != nil {
				return err
			}
			if env("GOMAXPROCS") == "" {
				// The agent is I/O bound and small: one P avoids waking
				// a second thread for every packet and timer (about 20%
				// of its idle CPU time in a 52-member cluster).
				runtime.GOMAXPROCS(1)
			}
			return runAgent(ctx, &f, s)
		},
	}
}

func (f *agentFlags) register(fs *flag.FlagSet) {
	l := &f.layer
	fs.Var(strPtr{&l.NodeName}, "node", "node `name` (default: the host name)")
	fs.Var(strPtr{&l.Bind}, "bind", "address to bind gossip to, `IP[:PORT]` (default 0.0.0.0:7946)")
	fs.Var(strPtr{&l.Advertise}, "advertise", "address to advertise, `IP[:PORT]`")
	fs.Var(strPtr{&l.Interface}, "iface", "bind and advertise this `interface`'s IPv4 address (such as eth1)")
	fs.Var(addrList{&l.Join}, "join", "`address` to join at start (repeatable, or comma-separated)")
	fs.Var(addrList{&l.RetryJoin}, "retry-join", "`address` to join, retried until it answers (repeatable, or comma-separated)")
	fs.Var(durPtr{&l.RetryInterval}, "retry-interval", "time between retry-join attempts (default 30s)")
	fs.Var(intPtr{&l.RetryMaxAttempts}, "retry-max", "retry-join attempts before giving up (0: forever)")
	fs.Var(strPtr{&l.Discover}, "discover", "find peers over mDNS under this cluster `name`")
	fs.Var(tagsPtr{&l.Tags}, "tag", "tag `key=value` (repeatable)")
	fs.Var(strPtr{&l.EncryptKey}, "encrypt", "gossip encryption `key`, base64 (make one with: labagent keygen)")
	fs.Var(strPtr{&l.KeyringFile}, "keyring-file", "`file` holding the keyring (JSON list of base64 keys)")
	fs.Var((*stringList)(&l.EventHandlers), "event-handler", "`[filter=]script` run on events (repeatable), e.g. member-join,user:deploy=/path/h.sh")
	fs.Var(strPtr{&l.RPCAddr}, "rpc-addr", "RPC listen `address` (default 127.0.0.1:7373)")
	fs.Var(strPtr{&l.RPCAuth}, "rpc-token", "`token` RPC clients must present")
	fs.Var(strPtr{&l.SnapshotPath}, "snapshot", "`file` recording members, to rejoin after a restart")
	fs.Var(boolPtr{&l.RejoinAfterLeave}, "rejoin", "rejoin the snapshot's members even after a graceful leave")
	fs.Var(strPtr{&l.Profile}, "profile", "timer `profile`: lan, wan or local (default lan)")
	fs.Var(boolPtr{&l.LeaveOnTerminate}, "leave-on-terminate", "leave gracefully on SIGTERM (default true)")
	fs.Var(durPtr{&l.ReconnectTimeout}, "reconnect-timeout", "how long failed members are kept (default 24h)")
	fs.Var(strPtr{&l.LogLevel}, "log-level", "`level`: debug, info, warn or error (default info)")
	fs.Var(intPtr{&l.JournalSize}, "journal-size", "journal ring size in `entries` (default 4096)")
	fs.Var(&f.configFiles, "config-file", "JSON config `file` (repeatable)")
	fs.Var(&f.configDirs, "config-dir", "`directory` of *.json config files, read in lexical order (repeatable)")
}

// buildConfig layers defaults, config files, config dirs and flags.
func (f *agentFlags) buildConfig() (*agent.Config, error) {
	cfg := agent.DefaultConfig()
	var layers []*agent.FileConfig
	for _, p := range f.configFiles {
		l, err := agent.LoadConfigFile(p)
		if err != nil {
			return nil, err
		}
		layers = append(layers, l)
	}
	for _, d := range f.configDirs {
		ls, err := agent.LoadConfigDir(d)
		if err != nil {
			return nil, err
		}
		layers = append(layers, ls...)
	}
	layers = append(layers, &f.layer)
	for _, l := range layers {
		if err := l.Apply(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, hint.Errorf("pass -node NAME", "no node name and no host name: %w", err)
		}
		cfg.NodeName = h
	}
	return cfg, cfg.Validate()
}

func runAgent(ctx context.Context, f *agentFlags, s Streams) error {
	cfg, err := f.buildConfig()
	if err != nil {
		return err
	}
	level, _ := agent.ParseLogLevel(cfg.LogLevel)
	logger := slog.New(slog.NewTextHandler(s.Err, &slog.HandlerOptions{Level: level}))
	a, err := agent.Create(cfg, logger)
	if err != nil {
		return err
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	// The agent runs until this context ends; a signal during Start ends
	// it early.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := startAgent(ctx, cancel, a, sigs); err != nil {
		return err
	}
	select {
	case <-a.ShutdownCh(): // RPC leave, or retry-join gave up
		return a.Err()
	case <-ctx.Done():
		return a.Shutdown()
	case sig := <-sigs:
		leave := sig == os.Interrupt || cfg.LeaveOnTerminate
		logger.Info("signal received", "signal", sig.String(), "leave", leave)
		if leave {
			leaveGracefully(ctx, a, logger, sigs)
		}
		return a.Shutdown()
	}
}

// startAgent starts a and stops when a signal arrives first: joining at
// start (-join, or the snapshot's members) waits up to memberlist's TCP
// timeout for each silent address.
func startAgent(ctx context.Context, cancel context.CancelFunc, a *agent.Agent, sigs <-chan os.Signal) error {
	started := make(chan error, 1)
	go func() { started <- a.Start(ctx) }()
	select {
	case err := <-started:
		return err
	case sig := <-sigs:
		cancel()
		<-started
		_ = a.Shutdown()
		return &interruptedError{sig: sig}
	}
}

// leaveGracefully leaves the cluster; a second signal cuts it short.
func leaveGracefully(ctx context.Context, a *agent.Agent, logger *slog.Logger, sigs <-chan os.Signal) {
	lctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Leave(lctx) }()
	select {
	case err := <-done:
		if err != nil {
			logger.Error("graceful leave failed", "err", err)
		}
	case <-sigs:
		logger.Warn("second signal: shutting down without finishing the leave")
	}
}

// Flag values that set FileConfig pointers, so "not given" stays nil.
type strPtr struct{ p **string }

func (v strPtr) String() string {
	if v.p == nil || *v.p == nil {
		return ""
	}
	return **v.p
}
func (v strPtr) Set(s string) error { *v.p = &s; return nil }

type boolPtr struct{ p **bool }

func (v boolPtr) String() string {
	if v.p == nil || *v.p == nil {
		return ""
	}
	return strconv.FormatBool(**v.p)
}
func (v boolPtr) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false")
	}
	*v.p = &b
	return nil
}
func (v boolPtr) IsBoolFlag() bool { return true }

type intPtr struct{ p **int }

func (v intPtr) String() string {
	if v.p == nil || *v.p == nil {
		return ""
	}
	return strconv.Itoa(**v.p)
}
func (v intPtr) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("want an integer")
	}
	*v.p = &n
	return nil
}

type durPtr struct{ p **agent.Duration }

func (v durPtr) String() string {
	if v.p == nil || *v.p == nil {
		return ""
	}
	return time.Duration(**v.p).String()
}
func (v durPtr) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("want a duration such as 30s")
	}
	ad := agent.Duration(d)
	*v.p = &ad
	return nil
}

type tagsPtr struct{ p *map[string]string }

func (v tagsPtr) String() string { return "" }
func (v tagsPtr) Set(s string) error {
	if *v.p == nil {
		*v.p = map[string]string{}
	}
	return kvFlag(*v.p).Set(s)
}
