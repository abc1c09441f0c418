package agent

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// rpcServer serves the client commands (see package rpc for the
// protocol). It holds at most limits.MaxConns connections, each with its
// own goroutine; a connection over the cap is answered with an error line
// and closed at once, so a client learns why instead of hanging in the
// listen queue, and the agent's file descriptors stay bounded. All
// connections end on close, or when the context it was started with ends.
type rpcServer struct {
	a      *Agent
	ln     net.Listener
	token  string
	limits RPCLimits
	logger *slog.Logger
	cancel context.CancelFunc // ends the accept loop and every connection
	wg     sync.WaitGroup
	slots  chan struct{} // one per open connection

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func startRPC(ctx context.Context, a *Agent, addr, token string, limits RPCLimits, logger *slog.Logger) (*rpcServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, hint.Errorf("another agent may hold the port; pick another -rpc-addr", "listen for RPC on %s: %w", addr, err)
	}
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil && !ap.Addr().IsLoopback() && token == "" {
		logger.Warn("RPC listens on a non-loopback address without a token: anyone who can reach it controls this agent", "addr", ln.Addr().String(), "hint", "set -rpc-token or listen on 127.0.0.1")
	}
	limits = limits.withDefaults()
	s := &rpcServer{a: a, ln: ln, token: token, limits: limits, logger: logger,
		slots: make(chan struct{}, limits.MaxConns), conns: map[net.Conn]struct{}{}}
	ctx, s.cancel = context.WithCancel(ctx)
	s.wg.Add(1)
	go s.serve(ctx)
	return s, nil
}

func (s *rpcServer) addr() string { return s.ln.Addr().String() }

func (s *rpcServer) close() error {
	s.cancel()
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// serve accepts connections until ctx ends or the listener closes.
func (s *rpcServer) serve(ctx context.Context) {
	defer s.wg.Done()
	var backoff time.Duration
	busy := busyLog{logger: s.logger}
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait and retry
			// rather than stop serving for good.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.logger.Error("RPC accept failed; retrying", "err", err, "retry_in", backoff)
			select {
			case <-time.After(backoff):
				continue
			case <-ctx.Done():
				return
			}
		}
		backoff = 0
		select {
		case s.slots <- struct{}{}:
		default:
			s.refuse(conn)
			busy.refused(s.limits.MaxConns)
			continue
		}
		s.mu.Lock()
		s.conns[conn] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(ctx, conn)
			_ = conn.Close()
			s.mu.Lock()
			delete(s.conns, conn)
			s.mu.Unlock()
			<-s.slots
		}()
	}
}

// refuse answers a connection over the cap with an error line and
// closes it. It runs on the accept loop, so it never waits long: the
// line fits in the socket's buffer.
func (s *rpcServer) refuse(conn net.Conn) {
	resp := rpc.ErrorResponse(0, hint.Errorf("retry in a moment; stop idle clients (monitor, journal -follow) of this agent", "agent busy: it serves at most %d RPC connections at once", s.limits.MaxConns))
	b, _ := json.Marshal(resp)
	_ = conn.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	_, _ = conn.Write(append(b, '\n'))
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	_ = conn.Close()
}

// busyLog logs refused connections at most every 10 s, with a count, so
// that a flood of connections does not flood the log.
type busyLog struct {
	logger *slog.Logger
	last   time.Time
	n      int
}

func (b *busyLog) refused(max int) {
	b.n++
	if time.Since(b.last) < 10*time.Second {
		return
	}
	b.logger.Warn("RPC connections refused: too many open", "refused", b.n, "max", max)
	b.last, b.n = time.Now(), 0
}
