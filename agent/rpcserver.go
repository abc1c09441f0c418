package agent

import (
	"bufio"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

// rpcServer serves the client commands (see package rpc for the
// protocol). Each connection has its own goroutine; all end on close.
type rpcServer struct {
	a      *Agent
	ln     net.Listener
	token  string
	logger *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func startRPC(ctx context.Context, a *Agent, addr, token string, logger *slog.Logger) (*rpcServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for RPC on %s: %w\nhint: another agent may hold the port; pick another -rpc-addr", addr, err)
	}
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil && !ap.Addr().IsLoopback() && token == "" {
		logger.Warn("RPC listens on a non-loopback address without a token: anyone who can reach it controls this agent", "addr", ln.Addr().String(), "hint", "set -rpc-token or listen on 127.0.0.1")
	}
	s := &rpcServer{a: a, ln: ln, token: token, logger: logger, conns: map[net.Conn]struct{}{}}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.wg.Add(1)
	go s.serve()
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

func (s *rpcServer) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if s.ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				s.logger.Error("RPC accept failed", "err", err)
			}
			return
		}
		s.mu.Lock()
		s.conns[conn] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(conn)
			s.mu.Lock()
			delete(s.conns, conn)
			s.mu.Unlock()
			_ = conn.Close()
		}()
	}
}

func (s *rpcServer) serveConn(conn net.Conn) {
	r := bufio.NewReaderSize(conn, 64<<10)
	w := bufio.NewWriter(conn)
	// closed when the client goes away, so streams stop
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	var wmu sync.Mutex
	send := func(resp rpc.Response) error {
		b, err := json.Marshal(resp)
		if err != nil {
			b, _ = json.Marshal(rpc.ErrorResponse(resp.Seq, fmt.Errorf("encode response: %w", err)))
		}
		wmu.Lock()
		defer wmu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
		return w.Flush()
	}
	for {
		line, err := rpc.ReadLine(r)
		if err != nil {
			if rpc.IsLineTooLong(err) {
				if send(rpc.ErrorResponse(0, err)) != nil {
					return
				}
				continue
			}
			return
		}
		if err := s.handle(ctx, line, send, r); err != nil {
			return
		}
	}
}

var errStreamEnded = errors.New("stream ended")

func isStream(req rpc.Request, args any) bool {
	if req.Command == rpc.CmdMonitor {
		return true
	}
	ja, ok := args.(*rpc.JournalArgs)
	return ok && ja.Follow
}

// handle answers one request line through send. It returns an error only
// when the connection is unusable.
func (s *rpcServer) handle(ctx context.Context, line []byte, send func(rpc.Response) error, r *bufio.Reader) error {
	req, args, err := rpc.DecodeRequest(line)
	if err != nil {
		return send(rpc.ErrorResponse(req.Seq, err))
	}
	if s.token != "" && subtle.ConstantTimeCompare([]byte(req.Token), []byte(s.token)) != 1 {
		return send(rpc.ErrorResponse(req.Seq, errors.New("invalid or missing RPC token\nhint: pass -rpc-token or set LABAGENT_RPC_TOKEN to the agent's token")))
	}
	result, err := s.dispatch(ctx, req, args, send, r)
	if err != nil {
		return send(rpc.ErrorResponse(req.Seq, err))
	}
	if isStream(req, args) {
		// the stream's reader goroutine owns r now: end the connection
		_ = send(rpc.Response{Seq: req.Seq})
		return errStreamEnded
	}
	resp := rpc.Response{Seq: req.Seq}
	if result != nil {
		b, err := json.Marshal(result)
		if err != nil {
			return send(rpc.ErrorResponse(req.Seq, err))
		}
		resp.Result = b
	}
	return send(resp)
}
