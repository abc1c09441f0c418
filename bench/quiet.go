package bench

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// quietNode silences an agent's log when it is shut down (a crash
// injection or a replacement): its last goroutines' complaints about its
// own closed sockets are noise.
type quietNode struct {
	clusterNode
	quiet *atomic.Bool
}

func (q quietNode) Shutdown() error {
	q.quiet.Store(true)
	return q.clusterNode.Shutdown()
}

// gateHandler drops every record once any of its flags is set.
type gateHandler struct {
	h      slog.Handler
	closed []*atomic.Bool
}

func (g *gateHandler) off() bool {
	for _, c := range g.closed {
		if c.Load() {
			return true
		}
	}
	return false
}

func (g *gateHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return !g.off() && g.h.Enabled(ctx, l)
}

func (g *gateHandler) Handle(ctx context.Context, r slog.Record) error {
	if g.off() {
		return nil
	}
	return g.h.Handle(ctx, r)
}

func (g *gateHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &gateHandler{h: g.h.WithAttrs(as), closed: g.closed}
}

func (g *gateHandler) WithGroup(name string) slog.Handler {
	return &gateHandler{h: g.h.WithGroup(name), closed: g.closed}
}
