package agent

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// rpcConn is one client connection as the request handler sees it.
type rpcConn struct {
	r      *bufio.Reader
	send   func(rpc.Response) error
	authed bool // the token was presented (or the agent has none)
	// stream, called when a stream starts, lifts the idle timeout (a
	// journal -follow may stay silent for hours); nil in the fuzzer.
	stream func()
}

var (
	errBadToken        = hint.Errorf("pass -rpc-token or set LABAGENT_RPC_TOKEN to the agent's token", "invalid or missing RPC token")
	errUnauthenticated = errors.New("connection did not authenticate")
	errStreamEnded     = errors.New("stream ended")
)

// serveConn reads requests until the client goes away, a limit is
// broken, or a timeout passes. Before authentication a request may hold
// rpc.MaxAuthBytes and must arrive within AuthTimeout; after it,
// rpc.MaxRequestBytes and IdleTimeout. Breaking a limit gets an error
// line, then the connection is closed.
func (s *rpcServer) serveConn(ctx context.Context, conn net.Conn) {
	ctx, cancel := context.WithCancel(ctx) // ends the streams of this connection
	defer cancel()
	c := &rpcConn{
		r:      bufio.NewReaderSize(conn, 4<<10),
		send:   responder(conn),
		authed: s.token == "",
		stream: func() { _ = conn.SetReadDeadline(time.Time{}) },
	}
	for {
		limit, timeout := rpc.MaxRequestBytes, s.limits.IdleTimeout
		if !c.authed {
			limit, timeout = rpc.MaxAuthBytes, s.limits.AuthTimeout
		}
		_ = conn.SetReadDeadline(time.Now().Add(timeout))
		line, err := rpc.ReadLine(c.r, limit)
		if err != nil {
			if resp, ok := readErrorResponse(err, c.authed, timeout); ok && c.send(resp) == nil {
				linger(conn)
			}
			return
		}
		if err := s.serveLine(ctx, c, line); err != nil {
			if errors.Is(err, errUnauthenticated) {
				linger(conn)
			}
			return
		}
	}
}

// responder returns the function that writes response lines to conn;
// stream items and the final response may come from two goroutines.
func responder(conn net.Conn) func(rpc.Response) error {
	w := bufio.NewWriter(conn)
	var mu sync.Mutex
	return func(resp rpc.Response) error {
		b, err := json.Marshal(resp)
		if err != nil {
			b, _ = json.Marshal(rpc.ErrorResponse(resp.Seq, fmt.Errorf("encode response: %w", err)))
		}
		mu.Lock()
		defer mu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
		return w.Flush()
	}
}

// readErrorResponse is what the client is told when reading its request
// failed; ok is false when there is no one to tell (it went away).
func readErrorResponse(err error, authed bool, timeout time.Duration) (rpc.Response, bool) {
	var tooLong *rpc.LineTooLongError
	var ne net.Error
	switch {
	case errors.As(err, &tooLong) && authed:
		return rpc.ErrorResponse(0, fmt.Errorf("request over the limit of %s; connection closed", rpc.SizeText(tooLong.Limit))), true
	case errors.As(err, &tooLong):
		return rpc.ErrorResponse(0, hint.Errorf("send the token first: {\"seq\":1,\"token\":\"...\",\"command\":\"auth\"}", "request before authentication over the limit of %s; connection closed", rpc.SizeText(tooLong.Limit))), true
	case errors.As(err, &ne) && ne.Timeout():
		return rpc.ErrorResponse(0, fmt.Errorf("no request within %s; connection closed", timeout)), true
	}
	return rpc.Response{}, false
}

// linger half-closes conn and drops what the client still sends, for at
// most a second and 1 MiB, before the caller closes it: closing a socket
// with unread input resets the connection, which can destroy the error
// line just sent before the client reads it.
func linger(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	_, _ = io.CopyN(io.Discard, conn, 1<<20)
}

// serveLine answers one request line. Until the connection is
// authenticated only the token is looked at: a line without the right
// one, whatever else it holds, gets the same error and errUnauthenticated
// (the connection closes).
func (s *rpcServer) serveLine(ctx context.Context, c *rpcConn, line []byte) error {
	if !c.authed {
		var req struct {
			Seq   uint64 `json:"seq"`
			Token string `json:"token"`
		}
		_ = json.Unmarshal(line, &req) // a malformed line carries no token
		if !s.tokenOK(req.Token) {
			_ = c.send(rpc.ErrorResponse(req.Seq, errBadToken))
			return errUnauthenticated
		}
		c.authed = true
	}
	return s.handle(ctx, c, line)
}

// tokenOK compares in constant time, also over the token's length.
func (s *rpcServer) tokenOK(token string) bool {
	got, want := sha256.Sum256([]byte(token)), sha256.Sum256([]byte(s.token))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

func isStream(req rpc.Request, args any) bool {
	if req.Command == rpc.CmdMonitor {
		return true
	}
	ja, ok := args.(*rpc.JournalArgs)
	return ok && ja.Follow
}

// handle answers one request line of an authenticated connection through
// c.send. It returns an error only when the connection is unusable.
func (s *rpcServer) handle(ctx context.Context, c *rpcConn, line []byte) error {
	req, args, err := rpc.DecodeRequest(line)
	if err != nil {
		return c.send(rpc.ErrorResponse(req.Seq, err))
	}
	if s.token != "" && req.Token != "" && !s.tokenOK(req.Token) {
		return c.send(rpc.ErrorResponse(req.Seq, errBadToken))
	}
	stream := isStream(req, args)
	if stream && c.stream != nil {
		c.stream()
	}
	result, err := s.dispatch(ctx, req, args, c.send, c.r)
	if err != nil {
		return c.send(rpc.ErrorResponse(req.Seq, err))
	}
	if stream {
		// the stream's reader goroutine owns c.r now: end the connection
		_ = c.send(rpc.Response{Seq: req.Seq})
		return errStreamEnded
	}
	resp := rpc.Response{Seq: req.Seq}
	if result != nil {
		b, err := json.Marshal(result)
		if err != nil {
			return c.send(rpc.ErrorResponse(req.Seq, err))
		}
		resp.Result = b
	}
	return c.send(resp)
}
