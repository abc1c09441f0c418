package agent

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// every calls fn each interval d (def when d <= 0) until ctx ends.
func every(ctx context.Context, d, def time.Duration, fn func(ctx context.Context, d time.Duration)) {
	if d <= 0 {
		d = def
	}
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx, d)
		}
	}
}

// reapLoop removes failed members after ReconnectTimeout and left
// members after TombstoneTimeout, recording member-reap.
func (a *Agent) reapLoop(ctx context.Context) {
	every(ctx, a.cfg.ReapInterval, defaultReapInterval, func(context.Context, time.Duration) { a.reap(time.Now()) })
}

func (a *Agent) reap(now time.Time) {
	var reaped []Member
	a.mu.Lock()
	for name, m := range a.members {
		if name == a.cfg.NodeName {
			continue
		}
		var window time.Duration
		switch m.Status {
		case StatusFailed:
			window = a.cfg.ReconnectTimeout
		case StatusLeft:
			window = a.cfg.TombstoneTimeout
		default:
			continue
		}
		if now.Sub(m.Since) >= window {
			delete(a.members, name)
			reaped = append(reaped, m.copyOut())
		}
	}
	a.mu.Unlock()
	for _, m := range reaped {
		a.journal.Append(Entry{Type: EntryMemberReap, Node: m.Name, Addr: m.AddrPort})
		a.handlers.enqueue(handlerEvent{typ: EntryMemberReap, members: []Member{m}})
		a.logger.Info("reaped member", "node", m.Name, "status", m.Status)
	}
}

// reconnectLoop tries to join one random failed member now and then, so
// that a healed partition merges again.
func (a *Agent) reconnectLoop(ctx context.Context) {
	every(ctx, a.cfg.ReconnectInterval, defaultReconnectInterval, a.reconnect)
}

// reconnect tries to join one random failed member, within d.
func (a *Agent) reconnect(ctx context.Context, d time.Duration) {
	var failed []string
	a.mu.Lock()
	for _, m := range a.members {
		if m.Status == StatusFailed {
			failed = append(failed, m.Addr)
		}
	}
	a.mu.Unlock()
	if len(failed) == 0 {
		return
	}
	addr := failed[rand.IntN(len(failed))]
	jctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if _, err := a.Join(jctx, []string{addr}); err != nil {
		a.logger.Debug("reconnect failed", "addr", addr, "err", err)
	}
}

// retryJoinLoop joins RetryJoin until one address answers, every
// RetryInterval, at most RetryMaxAttempts times (0: forever).
func (a *Agent) retryJoinLoop(ctx context.Context) {
	wait := a.cfg.RetryInterval
	if wait <= 0 {
		wait = DefaultRetryInterval
	}
	for attempt := 1; ; attempt++ {
		n, err := a.Join(ctx, a.cfg.RetryJoin)
		if err == nil {
			a.logger.Info("retry-join succeeded", "contacted", n, "attempt", attempt)
			return
		}
		if a.cfg.RetryMaxAttempts > 0 && attempt >= a.cfg.RetryMaxAttempts {
			a.logger.Error("retry-join gave up; shutting down", "attempts", attempt, "err", err)
			a.mu.Lock()
			a.fatal = fmt.Errorf("retry-join gave up after %d attempts: %w", attempt, err)
			a.mu.Unlock()
			go func() { _ = a.Shutdown() }() // Shutdown waits for this goroutine
			return
		}
		a.logger.Warn("retry-join failed; will retry", "attempt", attempt, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
