package agent

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// Agent is one gossip agent: a memberlist node plus the Serf-style member
// table, the journal, user events, handlers and the RPC server.
//
// Create builds it without touching the network; Start binds, starts
// memberlist and the background work; Leave departs gracefully (others
// see left); Shutdown stops everything and, without a Leave before it,
// looks like a crash to the others (they see failed).
type Agent struct {
	cfg     *Config
	tuning  Tuning
	logger  *slog.Logger
	monitor *monitor
	journal *Journal
	created time.Time
	boot    int64 // identifies this run in leave intents

	keyring *memberlist.Keyring
	fault   *FaultTransport
	ml      *memberlist.Memberlist
	queue   *memberlist.TransmitLimitedQueue

	mu      sync.Mutex
	members map[string]*memberState
	tags    map[string]string
	state   agentState
	guard   []string // address and key problems found, reported by Info
	addr    netip.AddrPort

	keyWaiters map[uint64]chan keyResponse // cluster-wide key operations awaiting answers
	leaveAcks  *leaveAcks                  // while leaving: members yet to acknowledge the intent

	events   eventBuffer
	handlers *handlerRunner
	snap     *snapshotter

	cancel       context.CancelFunc
	wg           sync.WaitGroup
	shutdownOnce sync.Once
	shutdownCh   chan struct{}
	shutdownErr  error
	fatal        error // why the agent shut itself down
	rpc          *rpcServer
}

type agentState int

const (
	stateCreated agentState = iota
	stateRunning
	stateLeaving
	stateLeft
	stateShutdown
)

// Create validates cfg and builds an agent. It does no network I/O; call
// Start. The agent keeps cfg: do not change it afterwards.
func Create(cfg *Config, logger *slog.Logger) (*Agent, error) {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid agent configuration: %w", err)
	}
	mc, _ := cfg.Tuning.memberlistConfig(cfg.Profile) // the profile was validated
	now := time.Now()
	a := &Agent{
		cfg:        cfg,
		tuning:     TuningOf(mc),
		journal:    NewJournal(cfg.JournalSize, now),
		created:    now,
		boot:       now.UnixNano(),
		members:    map[string]*memberState{},
		tags:       map[string]string{},
		shutdownCh: make(chan struct{}),
	}
	a.monitor = newMonitor(logger.Handler())
	a.logger = slog.New(a.monitor)
	for k, v := range cfg.Tags {
		a.tags[k] = v
	}
	if cfg.NodeName == "" {
		return nil, hint.Errorf("set -node (the command defaults it to the host name)", "invalid agent configuration: empty node name")
	}
	if _, err := encodeMeta(a.boot, a.tags); err != nil {
		return nil, fmt.Errorf("invalid agent configuration: %w", err)
	}
	kr, err := loadKeyring(cfg, a.logger)
	if err != nil {
		return nil, err
	}
	a.keyring = kr
	hs, err := parseHandlers(cfg.EventHandlers)
	if err != nil {
		return nil, err
	}
	a.handlers = newHandlerRunner(hs, cfg.NodeName, cfg.HandlerTimeout, a.logger)
	a.handlers.tags = a.Tags
	if cfg.SnapshotPath != "" {
		a.snap = newSnapshotter(cfg.SnapshotPath, cfg.NodeName, a.logger)
		a.snap.collect = a.snapshotMembers
	}
	return a, nil
}

// Start binds the gossip transport, starts memberlist, the RPC server (if
// configured) and the background work, then joins Config.StartJoin (and,
// with a snapshot, the members recorded there). The agent runs until
// Shutdown or until ctx is cancelled (which is a Shutdown without leave).
func (a *Agent) Start(ctx context.Context) error {
	a.mu.Lock()
	if a.state != stateCreated {
		a.mu.Unlock()
		return errors.New("agent already started")
	}
	a.state = stateRunning
	a.mu.Unlock()

	bindIP, advIP, err := resolveAddrs(a.cfg)
	if err != nil {
		return err
	}
	mlLog := log.New(&memberlistLog{a: a, extra: a.cfg.LogOutput}, "", 0)
	ft, port, err := a.bind(bindIP, mlLog)
	if err != nil {
		return err
	}
	mc := a.memberlistConfig(bindIP, port, advIP, ft, mlLog)
	if err := a.startMemberlist(mc, ft); err != nil {
		return err
	}
	if err := a.startBackground(ctx); err != nil {
		return err
	}
	a.logger.Info("agent started", "node", a.cfg.NodeName, "addr", a.addr.String(), "profile", a.cfg.Profile, "encrypted", a.keyring != nil)
	return a.joinAtStart(ctx)
}

// bind binds the gossip transport (TCP and UDP) on bindIP and wraps it in
// the fault transport; port is the port it bound.
func (a *Agent) bind(bindIP string, mlLog *log.Logger) (ft *FaultTransport, port int, err error) {
	nt, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{
		BindAddrs: []string{bindIP},
		BindPort:  a.cfg.BindPort,
		Logger:    mlLog,
	})
	if err != nil {
		return nil, 0, hint.Errorf("is another agent running? pick another -bind address or port", "bind gossip transport on %s:%d: %w", bindIP, a.cfg.BindPort, err)
	}
	ft = NewFaultTransport(nt, a.peerAddrs, a.logger)
	ft.Set(a.cfg.Fault)
	if ip, err := netip.ParseAddr(bindIP); err == nil {
		ft.DialFrom(ip)
	}
	a.mu.Lock()
	a.fault = ft
	a.mu.Unlock()
	port = a.cfg.BindPort
	if port == 0 {
		port = nt.GetAutoBindPort()
	}
	return ft, port, nil
}

// memberlistConfig is the node's memberlist configuration: the profile
// with the tuning over it, the addresses, the transport and the agent as
// memberlist's delegate.
func (a *Agent) memberlistConfig(bindIP string, port int, advIP string, ft *FaultTransport, mlLog *log.Logger) *memberlist.Config {
	advPort := a.cfg.AdvertisePort
	if advPort == 0 {
		advPort = port
	}
	mc, _ := a.tuning.memberlistConfig(a.cfg.Profile) // validated by Create
	// No LZW compression of outgoing messages: memberlist builds a new
	// LZW writer (a 64 KB table) for every packet, even a ping or ack it
	// then sends uncompressed because compression did not make it
	// smaller; that garbage was most of an idle agent's GC work. Receivers
	// decode either form, so this mixes with compressing agents.
	mc.EnableCompression = false
	mc.Name = a.cfg.NodeName
	mc.BindAddr, mc.BindPort = bindIP, port
	mc.AdvertiseAddr, mc.AdvertisePort = advIP, advPort
	mc.Transport = ft
	mc.Logger = mlLog
	mc.Keyring = a.keyring
	mc.DelegateProtocolVersion = ProtocolVersion
	mc.DelegateProtocolMin = ProtocolVersion
	mc.DelegateProtocolMax = ProtocolVersion
	d := &delegate{a: a}
	mc.Delegate, mc.Events, mc.Conflict = d, d, d
	return mc
}

// startMemberlist creates the memberlist node of mc; on failure it shuts
// the transport down.
func (a *Agent) startMemberlist(mc *memberlist.Config, ft *FaultTransport) error {
	a.queue = &memberlist.TransmitLimitedQueue{RetransmitMult: mc.RetransmitMult, NumNodes: a.numNodes}
	ml, err := memberlist.Create(mc)
	if err != nil {
		_ = ft.Shutdown()
		if strings.Contains(err.Error(), "private IP") {
			return hint.Errorf("no private address to advertise was found; pick one with -iface eth1 or -advertise IP", "start memberlist: %w", err)
		}
		return fmt.Errorf("start memberlist: %w", err)
	}
	ln := ml.LocalNode()
	a.mu.Lock()
	a.ml = ml
	a.addr = addrPort(ln.Addr, ln.Port)
	a.mu.Unlock()
	a.checkAdvertise(a.addr.Addr())
	return nil
}

// startBackground starts the RPC server and the background loops on a
// context of their own, cancelled by Shutdown; ctx ending shuts the
// agent down. On failure the agent is shut down.
func (a *Agent) startBackground(ctx context.Context) error {
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	stop := context.AfterFunc(ctx, func() { _ = a.Shutdown() })
	a.wg.Add(1)
	go func() { defer a.wg.Done(); <-rctx.Done(); stop() }()

	if a.cfg.RPCAddr != "" {
		srv, err := startRPC(rctx, a, a.cfg.RPCAddr, a.cfg.RPCToken, a.cfg.RPCLimits, a.logger)
		if err != nil {
			_ = a.Shutdown()
			return err
		}
		a.rpc = srv
	}
	a.goBackground(rctx, a.handlers.run)
	a.goBackground(rctx, a.reapLoop)
	a.goBackground(rctx, a.reconnectLoop)
	if a.snap != nil {
		a.goBackground(rctx, a.snap.run)
	}
	if len(a.cfg.RetryJoin) > 0 {
		a.goBackground(rctx, a.retryJoinLoop)
	}
	if a.cfg.Discover != "" {
		a.goBackground(rctx, a.discoverLoop)
	}
	return nil
}

// joinAtStart rejoins the snapshot's members (a failure is logged), then
// joins Config.StartJoin (a failure shuts the agent down).
func (a *Agent) joinAtStart(ctx context.Context) error {
	var joins []string
	if a.snap != nil {
		joins = append(joins, a.snap.rejoinAddrs(a.cfg.RejoinAfterLeave)...)
	}
	if len(joins) > 0 {
		if n, err := a.Join(ctx, joins); err != nil {
			a.logger.Warn("rejoin from snapshot failed", "err", err)
		} else {
			a.logger.Info("rejoined from snapshot", "contacted", n)
		}
	}
	if len(a.cfg.StartJoin) > 0 {
		if _, err := a.Join(ctx, a.cfg.StartJoin); err != nil {
			_ = a.Shutdown()
			return err
		}
	}
	return nil
}

func (a *Agent) goBackground(ctx context.Context, f func(context.Context)) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		f(ctx)
	}()
}

// list is the agent's memberlist, nil before Start.
func (a *Agent) list() *memberlist.Memberlist {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ml
}

func (a *Agent) numNodes() int {
	if ml := a.list(); ml != nil {
		return ml.NumMembers()
	}
	return 1
}

func (a *Agent) running() (*memberlist.Memberlist, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch a.state {
	case stateCreated:
		return nil, errors.New("agent not started")
	case stateLeft, stateShutdown:
		return nil, errors.New("agent has left or shut down")
	}
	return a.ml, nil
}

// Shutdown stops the agent. It is idempotent. Without a Leave before it
// the others see this agent as failed, as after a crash.
func (a *Agent) Shutdown() error {
	a.shutdownOnce.Do(func() {
		a.mu.Lock()
		a.state = stateShutdown
		ml := a.ml
		a.mu.Unlock()
		var errs []error
		if a.rpc != nil {
			errs = append(errs, a.rpc.close())
		}
		if ml != nil {
			if err := ml.Shutdown(); err != nil {
				errs = append(errs, fmt.Errorf("shut down memberlist: %w", err))
			}
		}
		if a.cancel != nil {
			a.cancel()
		}
		a.wg.Wait()
		if a.snap != nil {
			errs = append(errs, a.snap.flush(a.snapshotMembers()))
		}
		a.shutdownErr = errors.Join(errs...)
		close(a.shutdownCh)
		a.logger.Info("agent shut down")
	})
	return a.shutdownErr
}

// ShutdownCh is closed once the agent has shut down (for example after an
// RPC `leave`, or when retry-join gave up).
func (a *Agent) ShutdownCh() <-chan struct{} { return a.shutdownCh }

// Err returns why the agent shut itself down (retry-join gave up), or nil.
func (a *Agent) Err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fatal
}

// Journal returns the agent's journal.
func (a *Agent) Journal() *Journal { return a.journal }

// Name is the agent's node name.
func (a *Agent) Name() string { return a.cfg.NodeName }

// Addr is the address the agent advertises (valid after Start).
func (a *Agent) Addr() netip.AddrPort {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.addr
}
