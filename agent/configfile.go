package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/boundedfile"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// FileConfig is one layer of configuration: a JSON config file, or the
// flags given on the command line. Absent fields (nil) leave the lower
// layer's value; see the package documentation for the keys.
type FileConfig struct {
	NodeName           *string           `json:"node_name,omitempty"`
	Bind               *string           `json:"bind,omitempty"`      // "ip[:port]"
	Advertise          *string           `json:"advertise,omitempty"` // "ip[:port]"
	Interface          *string           `json:"interface,omitempty"`
	Join               []string          `json:"join,omitempty"`
	RetryJoin          []string          `json:"retry_join,omitempty"`
	RetryInterval      *Duration         `json:"retry_interval,omitempty"`
	RetryMaxAttempts   *int              `json:"retry_max_attempts,omitempty"`
	Discover           *string           `json:"discover,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
	EncryptKey         *string           `json:"encrypt_key,omitempty"`
	KeyringFile        *string           `json:"keyring_file,omitempty"`
	EventHandlers      []string          `json:"event_handlers,omitempty"`
	HandlerTimeout     *Duration         `json:"handler_timeout,omitempty"`
	RPCAddr            *string           `json:"rpc_addr,omitempty"`
	RPCAuth            *string           `json:"rpc_auth,omitempty"`
	SnapshotPath       *string           `json:"snapshot_path,omitempty"`
	RejoinAfterLeave   *bool             `json:"rejoin_after_leave,omitempty"`
	Profile            *string           `json:"profile,omitempty"`
	LeaveOnTerminate   *bool             `json:"leave_on_terminate,omitempty"`
	ReconnectTimeout   *Duration         `json:"reconnect_timeout,omitempty"`
	TombstoneTimeout   *Duration         `json:"tombstone_timeout,omitempty"`
	LogLevel           *string           `json:"log_level,omitempty"`
	JournalSize        *int              `json:"journal_size,omitempty"`
	UserEventSizeLimit *int              `json:"user_event_size_limit,omitempty"`
}

// Duration is a time.Duration written in JSON as a Go duration string
// ("30s", "24h").
type Duration time.Duration

// UnmarshalJSON accepts "30s" (or a number of nanoseconds).
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err2 := json.Unmarshal(b, &n); err2 != nil {
			return fmt.Errorf("duration must be a string such as \"30s\": %w", err)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("bad duration %q: use a Go duration such as \"30s\"", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// LoadConfigFile reads one JSON config file (a regular file of at most
// MaxConfigFileSize bytes). Unknown keys are errors.
func LoadConfigFile(path string) (*FileConfig, error) {
	b, err := boundedfile.ReadFile(path, MaxConfigFileSize)
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	var f FileConfig
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&f); err != nil {
		return nil, hint.Errorf("see `go doc github.com/gossiplab/gossiplab/agent` for the keys (snake_case, such as node_name, bind, join)", "config file %s: %w", path, err)
	}
	if d.More() {
		return nil, fmt.Errorf("config file %s: more than one JSON object", path)
	}
	return &f, nil
}

// LoadConfigDir reads every *.json file of dir in lexical order.
func LoadConfigDir(dir string) ([]*FileConfig, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("config dir %s: %w", dir, err)
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("config dir: %w", err)
	}
	sort.Strings(paths)
	var out []*FileConfig
	for _, p := range paths {
		f, err := LoadConfigFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// splitHostPort parses "ip" or "ip:port" (port 0 when absent).
func splitHostPort(what, s string) (string, int, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().String(), int(ap.Port()), nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.String(), 0, nil
	}
	if h, p, ok := strings.Cut(s, ":"); ok && h == "" {
		port, err := strconv.Atoi(p)
		if err == nil && port > 0 && port < 65536 {
			return "", port, nil
		}
	}
	return "", 0, hint.Errorf("such as 192.168.56.11 or 192.168.56.11:7946", "%s %q is not IP[:PORT]", what, s)
}

// Apply sets the fields present in f on c. Lists (join, retry_join,
// event_handlers) are appended; tags are merged key by key.
func (f *FileConfig) Apply(c *Config) error {
	errs := []error{f.applyAddrs(c), f.applyKey(c)}
	setS(&c.NodeName, f.NodeName)
	setS(&c.Interface, f.Interface)
	c.StartJoin = append(c.StartJoin, f.Join...)
	c.RetryJoin = append(c.RetryJoin, f.RetryJoin...)
	setD(&c.RetryInterval, f.RetryInterval)
	setI(&c.RetryMaxAttempts, f.RetryMaxAttempts)
	setS(&c.Discover, f.Discover)
	if len(f.Tags) > 0 && c.Tags == nil {
		c.Tags = map[string]string{}
	}
	for k, v := range f.Tags {
		c.Tags[k] = v
	}
	setS(&c.KeyringFile, f.KeyringFile)
	c.EventHandlers = append(c.EventHandlers, f.EventHandlers...)
	setD(&c.HandlerTimeout, f.HandlerTimeout)
	setS(&c.RPCAddr, f.RPCAddr)
	setS(&c.RPCToken, f.RPCAuth)
	setS(&c.SnapshotPath, f.SnapshotPath)
	setB(&c.RejoinAfterLeave, f.RejoinAfterLeave)
	setS(&c.Profile, f.Profile)
	setB(&c.LeaveOnTerminate, f.LeaveOnTerminate)
	setD(&c.ReconnectTimeout, f.ReconnectTimeout)
	setD(&c.TombstoneTimeout, f.TombstoneTimeout)
	setS(&c.LogLevel, f.LogLevel)
	setI(&c.JournalSize, f.JournalSize)
	setI(&c.UserEventSizeLimit, f.UserEventSizeLimit)
	return errors.Join(errs...)
}

// applyAddrs sets the bind and advertise addresses present in f.
func (f *FileConfig) applyAddrs(c *Config) error {
	var errs []error
	if f.Bind != nil {
		ip, port, err := splitHostPort("bind address", *f.Bind)
		if err != nil {
			errs = append(errs, err)
		}
		if ip != "" {
			c.BindAddr = ip
		}
		if port != 0 {
			c.BindPort = port
		}
	}
	if f.Advertise != nil {
		ip, port, err := splitHostPort("advertise address", *f.Advertise)
		if err != nil {
			errs = append(errs, err)
		}
		c.AdvertiseAddr, c.AdvertisePort = ip, port
	}
	return errors.Join(errs...)
}

// applyKey sets the encryption key when f has one; an empty key removes
// it.
func (f *FileConfig) applyKey(c *Config) error {
	switch {
	case f.EncryptKey == nil:
	case *f.EncryptKey == "":
		c.EncryptKey = nil
	default:
		k, err := DecodeKey(*f.EncryptKey)
		if err != nil {
			return err
		}
		c.EncryptKey = k
	}
	return nil
}

// The setters of Apply: a nil source leaves dst as it is.

func setS(dst *string, src *string) {
	if src != nil {
		*dst = *src
	}
}

func setD(dst *time.Duration, src *Duration) {
	if src != nil {
		*dst = time.Duration(*src)
	}
}

func setI(dst *int, src *int) {
	if src != nil {
		*dst = *src
	}
}

func setB(dst *bool, src *bool) {
	if src != nil {
		*dst = *src
	}
}
