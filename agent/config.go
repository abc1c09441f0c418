package agent

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/buildinfo"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// Version is the labagent version, without a leading "v": the build's
// version from package internal/buildinfo (a release build's stamp, the
// module version of `go install ...@v0.2.0`, or NEXT-dev from a
// checkout). It parses with hashicorp/go-version; provisioning compares
// it between the agent on a node and the one it would install.
func Version() string { return buildinfo.Read().Version }

// ProtocolVersion is the version of the agent's own gossip messages (user
// events, leave intents) and RPC.
const ProtocolVersion = 1

// Default values of the agent configuration.
const (
	DefaultBindPort          = 7946
	DefaultRPCAddr           = "127.0.0.1:7373"
	DefaultJournalSize       = 4096
	MaxJournalSize           = 1 << 20 // entries: 128 MB of ring (128-byte entries)
	DefaultReconnectTimeout  = 24 * time.Hour
	DefaultTombstoneTimeout  = 24 * time.Hour
	DefaultUserEventLimit    = 512
	MaxUserEventLimit        = 1024
	DefaultHandlerTimeout    = 30 * time.Second
	DefaultRetryInterval     = 30 * time.Second
	virtualBoxNATAddr        = "10.0.2.15"
	defaultReapInterval      = 15 * time.Second
	defaultReconnectInterval = 30 * time.Second
)

// Config configures one agent. Start from DefaultConfig and change fields;
// the command layer fills it from JSON files and flags (see FileConfig).
type Config struct {
	NodeName string // required (the agent command defaults it to the host name)
	// BindAddr is the IP to listen on for gossip (TCP and UDP); empty or
	// 0.0.0.0 means every address. BindPort 0 picks a free port.
	BindAddr string
	BindPort int
	// AdvertiseAddr and AdvertisePort are what other members use to reach
	// this agent; empty/0 derive them from the bind address or Interface.
	AdvertiseAddr string
	AdvertisePort int
	// Interface, when set, binds and advertises that interface's IPv4.
	Interface string

	Tags    map[string]string
	Profile string // lan (default), wan or local
	Tuning  Tuning // overrides of the profile's timers

	// StartJoin is joined once at Start; failure is an error.
	StartJoin []string
	// RetryJoin is joined in the background until it succeeds, every
	// RetryInterval, at most RetryMaxAttempts times (0: no limit).
	RetryJoin        []string
	RetryInterval    time.Duration
	RetryMaxAttempts int
	// Discover, when set, finds peers over mDNS under this cluster name.
	Discover string

	// ReconnectTimeout is how long failed members are kept (and retried)
	// before being reaped; TombstoneTimeout is the same for left members.
	ReconnectTimeout time.Duration
	TombstoneTimeout time.Duration
	// ReapInterval and ReconnectInterval set how often the reaper and the
	// reconnector run; zero means 15 s and 30 s.
	ReapInterval      time.Duration
	ReconnectInterval time.Duration

	// EncryptKey is the primary gossip key (16, 24 or 32 bytes); with
	// KeyringFile the keys are loaded from (and saved to) that file.
	EncryptKey  []byte
	KeyringFile string

	// EventHandlers are "[filter=]script" specs, such as
	// "member-join,user:deploy=/usr/local/bin/deploy.sh".
	EventHandlers  []string
	HandlerTimeout time.Duration

	// RPCAddr is where the RPC server listens (empty: no RPC server);
	// RPCToken, when set, is required from every client.
	RPCAddr  string
	RPCToken string
	// RPCLimits bound what RPC clients can make the agent hold.
	RPCLimits RPCLimits

	// SnapshotPath records members so a restart can rejoin them; with
	// RejoinAfterLeave the agent rejoins even after a graceful leave.
	SnapshotPath     string
	RejoinAfterLeave bool

	LeaveOnTerminate bool
	LogLevel         string // debug, info, warn, error: the command's logger level (Create uses the logger it is given)
	JournalSize      int
	// UserEventSizeLimit caps len(name)+len(payload) of user events.
	UserEventSizeLimit int
	// Fault is the initial fault injection state (off by default).
	Fault Fault
	// LogOutput, when set, also receives memberlist's raw log lines.
	LogOutput io.Writer
}

// DefaultConfig returns the configuration of `labagent agent` without
// flags: LAN profile, port 7946, RPC on 127.0.0.1:7373.
func DefaultConfig() *Config {
	return &Config{
		BindPort:           DefaultBindPort,
		Profile:            "lan",
		RetryInterval:      DefaultRetryInterval,
		ReconnectTimeout:   DefaultReconnectTimeout,
		TombstoneTimeout:   DefaultTombstoneTimeout,
		HandlerTimeout:     DefaultHandlerTimeout,
		RPCAddr:            DefaultRPCAddr,
		LeaveOnTerminate:   true,
		LogLevel:           "info",
		JournalSize:        DefaultJournalSize,
		UserEventSizeLimit: DefaultUserEventLimit,
	}
}

// Validate checks the configuration and returns every problem found.
func (c *Config) Validate() error {
	var errs []error
	if _, err := ProfileTuning(c.Profile); err != nil {
		errs = append(errs, err)
	}
	if c.BindPort < 0 || c.BindPort > 65535 {
		errs = append(errs, hint.Errorf("use a port in 1-65535 (default 7946)", "bind port %d out of range", c.BindPort))
	}
	if c.AdvertisePort < 0 || c.AdvertisePort > 65535 {
		errs = append(errs, fmt.Errorf("advertise port %d out of range", c.AdvertisePort))
	}
	if n := len(c.EncryptKey); n != 0 && n != 16 && n != 24 && n != 32 {
		errs = append(errs, hint.Errorf("generate one with `labagent keygen`", "encryption key is %d bytes, want 16, 24 or 32", n))
	}
	if c.JournalSize < 1 || c.JournalSize > MaxJournalSize {
		errs = append(errs, hint.Errorf(fmt.Sprintf("leave it at the default (%d) or give at most %d", DefaultJournalSize, MaxJournalSize),
			"journal size %d must be in 1-%d", c.JournalSize, MaxJournalSize))
	}
	if c.UserEventSizeLimit < 1 || c.UserEventSizeLimit > MaxUserEventLimit {
		errs = append(errs, fmt.Errorf("user event size limit %d must be in 1-%d", c.UserEventSizeLimit, MaxUserEventLimit))
	}
	if _, err := parseLogLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	for _, h := range c.EventHandlers {
		if _, err := ParseHandlerSpec(h); err != nil {
			errs = append(errs, err)
		}
	}
	for k := range c.Tags {
		if k == "" || strings.ContainsAny(k, "=,\x00") {
			errs = append(errs, fmt.Errorf("bad tag key %q: keys must be non-empty without '=', ',' or NUL", k))
		}
	}
	return errors.Join(errs...)
}

// Size limits of the files the agent reads. A larger file, or a path
// that is not a regular file (a named pipe, a device), is refused.
const (
	MaxConfigFileSize  = 1 << 20 // each -config-file and -config-dir file
	MaxKeyringFileSize = 1 << 20 // the keyring file (a key is 45 bytes)
	MaxSnapshotSize    = 8 << 20 // the snapshot (about 60 bytes a member)
)

// RPCLimits bound the RPC server's connections; zero fields take the
// defaults. Byte limits are part of the protocol (see package rpc).
type RPCLimits struct {
	// MaxConns caps the open connections (default 64); one more is
	// answered with an error line and closed.
	MaxConns int
	// AuthTimeout is how long a new connection has to send its first
	// request, which must carry the token when there is one (default 5s).
	AuthTimeout time.Duration
	// IdleTimeout closes an authenticated connection that sends no
	// request for this long (default 60s); monitor and journal -follow
	// streams are exempt.
	IdleTimeout time.Duration
}

// Default RPC limits.
const (
	DefaultRPCMaxConns    = 64
	DefaultRPCAuthTimeout = 5 * time.Second
	DefaultRPCIdleTimeout = 60 * time.Second
)

// withDefaults fills the zero fields.
func (l RPCLimits) withDefaults() RPCLimits {
	if l.MaxConns <= 0 {
		l.MaxConns = DefaultRPCMaxConns
	}
	if l.AuthTimeout <= 0 {
		l.AuthTimeout = DefaultRPCAuthTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultRPCIdleTimeout
	}
	return l
}
