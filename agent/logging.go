package agent

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// ParseLogLevel parses debug, info, warn (warning) or error.
func parseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug", "trace":
		return slog.LevelDebug, nil
	case "", "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "err", "error":
		return slog.LevelError, nil
	}
	return 0, hint.Errorf("use debug, info, warn or error", "unknown log level %q", s)
}

// ParseLogLevel is parseLogLevel for the command layer.
func ParseLogLevel(s string) (slog.Level, error) { return parseLogLevel(s) }

// monitor is the agent's slog handler: it passes records to the injected
// handler and copies them, formatted as text lines, to `monitor`
// subscribers at their own level. Slow subscribers lose lines.
type monitor struct {
	base  slog.Handler
	attrs []slog.Attr
	group string
	hub   *monitorHub
}

type monitorHub struct {
	mu   sync.Mutex
	subs map[chan string]slog.Level
}

func newMonitor(base slog.Handler) *monitor {
	return &monitor{base: base, hub: &monitorHub{subs: map[chan string]slog.Level{}}}
}

var _ slog.Handler = (*monitor)(nil)

func (m *monitor) Enabled(ctx context.Context, l slog.Level) bool {
	if m.base.Enabled(ctx, l) {
		return true
	}
	m.hub.mu.Lock()
	defer m.hub.mu.Unlock()
	for _, sl := range m.hub.subs {
		if l >= sl {
			return true
		}
	}
	return false
}

func (m *monitor) Handle(ctx context.Context, r slog.Record) error {
	var err error
	if m.base.Enabled(ctx, r.Level) {
		err = m.base.Handle(ctx, r)
	}
	m.hub.mu.Lock()
	defer m.hub.mu.Unlock()
	if len(m.hub.subs) == 0 {
		return err
	}
	var buf bytes.Buffer
	h := slog.Handler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if len(m.attrs) > 0 {
		h = h.WithAttrs(m.attrs)
	}
	_ = h.Handle(ctx, r)
	line := strings.TrimRight(buf.String(), "\n")
	for ch, lvl := range m.hub.subs {
		if r.Level < lvl {
			continue
		}
		select {
		case ch <- line:
		default:
		}
	}
	return err
}

func (m *monitor) WithAttrs(as []slog.Attr) slog.Handler {
	return &monitor{base: m.base.WithAttrs(as), attrs: append(append([]slog.Attr(nil), m.attrs...), as...), hub: m.hub}
}

func (m *monitor) WithGroup(name string) slog.Handler {
	return &monitor{base: m.base.WithGroup(name), attrs: m.attrs, group: name, hub: m.hub}
}

// subscribe returns a channel of log lines at level and above.
func (m *monitor) subscribe(level slog.Level) (<-chan string, func()) {
	ch := make(chan string, 512)
	m.hub.mu.Lock()
	m.hub.subs[ch] = level
	m.hub.mu.Unlock()
	return ch, func() {
		m.hub.mu.Lock()
		delete(m.hub.subs, ch)
		m.hub.mu.Unlock()
	}
}

// memberlistLog turns memberlist's "[LEVEL] memberlist: msg" lines into
// slog records, and watches them for the problems the agent explains:
// a node pinged under another name (address conflict), undecryptable
// packets (key mismatch) and suspicion of a member.
type memberlistLog struct {
	a     *Agent
	extra io.Writer
}

func (w *memberlistLog) Write(p []byte) (int, error) {
	if w.extra != nil {
		_, _ = w.extra.Write(p)
	}
	line := strings.TrimSpace(string(p))
	level := slog.LevelInfo
	for _, l := range []struct {
		tag string
		lvl slog.Level
	}{{"[DEBUG]", slog.LevelDebug}, {"[INFO]", slog.LevelInfo}, {"[WARN]", slog.LevelWarn}, {"[ERR]", slog.LevelError}, {"[ERROR]", slog.LevelError}} {
		if rest, ok := strings.CutPrefix(line, l.tag); ok {
			level, line = l.lvl, strings.TrimSpace(rest)
			break
		}
	}
	line = strings.TrimPrefix(line, "memberlist: ")
	w.a.logger.Log(context.Background(), level, line, "component", "memberlist")
	w.a.watchMemberlistLine(line)
	return len(p), nil
}
