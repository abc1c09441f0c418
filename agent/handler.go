package agent

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// HandlerSpec is one parsed "-event-handler [filter=]script".
type HandlerSpec struct {
	Filters []HandlerFilter // empty: every event
	Script  string          // run with /bin/sh -c
}

// HandlerFilter selects events: Type, and for user events optionally
// their Name ("user:deploy").
type HandlerFilter struct {
	Type EntryType
	Name string
}

// ParseHandlerSpec parses "[filter[,filter...]=]script" where a filter is
// member-join, member-leave, member-failed, member-update, member-reap,
// user, user:NAME or "*".
func ParseHandlerSpec(s string) (HandlerSpec, error) {
	if strings.TrimSpace(s) == "" {
		return HandlerSpec{}, hint.Errorf("use -event-handler [filter=]script, such as member-join,user:deploy=/usr/local/bin/h.sh", "empty event handler")
	}
	filters, script, ok := strings.Cut(s, "=")
	// "script" alone, or a script whose text has '=' but no filter before it.
	if !ok || !looksLikeFilters(filters) {
		return HandlerSpec{Script: s}, nil
	}
	var spec HandlerSpec
	spec.Script = script
	if strings.TrimSpace(script) == "" {
		return HandlerSpec{}, fmt.Errorf("event handler %q has no script after '='", s)
	}
	for _, f := range strings.Split(filters, ",") {
		if f == "*" {
			spec.Filters = nil
			return spec, nil
		}
		name := ""
		if t, n, ok := strings.Cut(f, ":"); ok {
			f, name = t, n
		}
		typ, ok := ParseEntryType(f)
		if !ok || (name != "" && typ != EntryUser) || typ == EntryMemberSuspect {
			return HandlerSpec{}, hint.Errorf("filters are member-join, member-leave, member-failed, member-update, member-reap, user, user:NAME or *", "event handler %q: unknown filter %q", s, f)
		}
		spec.Filters = append(spec.Filters, HandlerFilter{Type: typ, Name: name})
	}
	return spec, nil
}

// looksLikeFilters tells "member-join,user:x=script" from a script that
// merely contains '=' ("FOO=1 run.sh").
func looksLikeFilters(s string) bool {
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return false
	}
	for _, f := range strings.Split(s, ",") {
		if f != "*" && !strings.HasPrefix(f, "member-") && !strings.HasPrefix(f, "user") {
			return false
		}
	}
	return true
}

func parseHandlers(specs []string) ([]HandlerSpec, error) {
	out := make([]HandlerSpec, 0, len(specs))
	for _, s := range specs {
		h, err := ParseHandlerSpec(s)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

func (h HandlerSpec) matches(e handlerEvent) bool {
	if len(h.Filters) == 0 {
		return true
	}
	for _, f := range h.Filters {
		if f.Type != e.typ {
			continue
		}
		if f.Name == "" || (e.user != nil && e.user.Name == f.Name) {
			return true
		}
	}
	return false
}

type handlerEvent struct {
	typ     EntryType
	members []Member
	user    *UserEvent
}

// handlerRunner runs handler scripts one event at a time on its own
// goroutine. enqueue never blocks: when the queue is full the event is
// dropped and logged. Coalescing user events with a newer one of the
// same name still queued are skipped.
type handlerRunner struct {
	specs   []HandlerSpec
	self    string
	timeout time.Duration
	logger  *slog.Logger
	runner  execx.Runner
	queue   chan handlerEvent
	tags    func() map[string]string

	mu     sync.Mutex
	latest map[string]uint64 // newest queued Lamport time per coalescing event name
}

func newHandlerRunner(specs []HandlerSpec, self string, timeout time.Duration, logger *slog.Logger) *handlerRunner {
	if timeout <= 0 {
		timeout = DefaultHandlerTimeout
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &handlerRunner{specs: specs, self: self, timeout: timeout, logger: logger, runner: execx.Exec{}, queue: make(chan handlerEvent, 1024), latest: map[string]uint64{}}
}

func (r *handlerRunner) enqueue(e handlerEvent) {
	if len(r.specs) == 0 {
		return
	}
	if e.user != nil && e.user.Coalesce {
		r.mu.Lock()
		if e.user.LTime > r.latest[e.user.Name] {
			r.latest[e.user.Name] = e.user.LTime
		}
		r.mu.Unlock()
	}
	select {
	case r.queue <- e:
	default:
		r.logger.Error("event handler queue full; dropping event", "event", e.typ.String())
	}
}

func (r *handlerRunner) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-r.queue:
			if e.user != nil && e.user.Coalesce && r.newerQueued(e) {
				continue
			}
			for _, h := range r.specs {
				if h.matches(e) {
					r.invoke(ctx, h, e)
				}
			}
		}
	}
}

// newerQueued reports whether a coalescing user event of the same name
// with a later Lamport time has been enqueued after e.
func (r *handlerRunner) newerQueued(e handlerEvent) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	latest := r.latest[e.user.Name]
	if latest <= e.user.LTime {
		delete(r.latest, e.user.Name)
		return false
	}
	return true
}

func (r *handlerRunner) invoke(ctx context.Context, h HandlerSpec, e handlerEvent) {
	env := []string{"LAB_EVENT=" + e.typ.String(), "LAB_SELF_NAME=" + r.self}
	if r.tags != nil {
		for k, v := range r.tags() {
			env = append(env, "LAB_TAG_"+envKey(k)+"="+v)
		}
	}
	var stdin bytes.Buffer
	if e.user != nil {
		env = append(env, "LAB_USER_EVENT="+e.user.Name, "LAB_USER_LTIME="+strconv.FormatUint(e.user.LTime, 10))
		stdin.Write(e.user.Payload)
	}
	for _, m := range e.members {
		fmt.Fprintf(&stdin, "%s\t%s\t%s\n", m.Name, m.AddrPort.Addr(), FormatTags(m.Tags))
	}
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	start := time.Now()
	out, err := r.runner.Run(cctx, execx.Cmd{Args: []string{"/bin/sh", "-c", h.Script}, Env: env, Stdin: &stdin, WaitDelay: time.Second})
	if err != nil {
		if cctx.Err() == context.DeadlineExceeded {
			r.logger.Error("event handler timed out", "script", h.Script, "event", e.typ.String(), "timeout", r.timeout, "hint", "make the handler faster (run long work in the background), or raise handler_timeout in a -config-file")
			return
		}
		r.logger.Error("event handler failed", "script", h.Script, "event", e.typ.String(), "err", err)
		return
	}
	r.logger.Debug("event handler ran", "script", h.Script, "event", e.typ.String(), "took", time.Since(start), "output", strings.TrimSpace(string(out)))
}

// envKey turns a tag key into an environment variable suffix:
// upper case, anything but letters and digits becomes '_'.
func envKey(k string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, k)
}
