package rpc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// Client talks to one agent over one connection. It is not safe for
// concurrent calls.
type Client struct {
	conn net.Conn
	r    *bufio.Reader
	seq  uint64
	mu   sync.Mutex
}

// Dial connects to the agent's RPC address and, with a token, presents
// it (an auth request) before returning, so a wrong token fails here.
func Dial(ctx context.Context, addr, token string) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, hint.Errorf("is `labagent agent` running? pass -rpc-addr (or set LABAGENT_RPC_ADDR) if it listens elsewhere", "connect to agent at %s: %w", addr, err)
	}
	c := &Client{conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}
	if token != "" {
		if err := c.call(ctx, Request{Command: CmdAuth, Token: token}, nil, nil); err != nil {
			_ = conn.Close()
			return nil, err
		}
	}
	return c, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

func (c *Client) send(ctx context.Context, req Request, args any) error {
	c.seq++
	req.Seq = c.seq
	if args != nil {
		b, err := json.Marshal(args)
		if err != nil {
			return fmt.Errorf("encode %s arguments: %w", req.Command, err)
		}
		req.Args = b
	}
	line, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if len(line) > MaxRequestBytes {
		return fmt.Errorf("%s request of %d bytes is over the agent's limit of %s", req.Command, len(line), SizeText(MaxRequestBytes))
	}
	dl, _ := ctx.Deadline() // none: the zero time clears an earlier one
	_ = c.conn.SetDeadline(dl)
	if _, err := c.conn.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("send %s: %w", req.Command, err)
	}
	return nil
}

func (c *Client) receive(command string) (Response, error) {
	line, err := ReadLine(c.r, MaxResponseBytes)
	if err != nil {
		return Response{}, fmt.Errorf("read %s response: %w", command, err)
	}
	var resp Response
	if err := json.Unmarshal(line, &resp); err != nil {
		return Response{}, fmt.Errorf("malformed %s response: %w", command, err)
	}
	return resp, responseError(resp)
}

// Call sends one request and decodes its result into result (may be nil).
func (c *Client) Call(ctx context.Context, command string, args, result any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.call(ctx, Request{Command: command}, args, result)
}

// call sends req with args and decodes the result; ctx ending closes the
// connection, so that a silent agent cannot hold the caller.
func (c *Client) call(ctx context.Context, req Request, args, result any) error {
	stop := context.AfterFunc(ctx, func() { _ = c.conn.Close() })
	defer stop()
	if err := c.send(ctx, req, args); err != nil {
		return ctxErr(ctx, err)
	}
	resp, err := c.receive(req.Command)
	if err != nil {
		return ctxErr(ctx, err)
	}
	if result != nil && len(resp.Result) > 0 {
		if err := json.Unmarshal(resp.Result, result); err != nil {
			return fmt.Errorf("decode %s result: %w", req.Command, err)
		}
	}
	return nil
}

// Stream sends a streaming request and calls each with every item until
// the agent ends the stream, each returns an error, or ctx ends (which
// returns nil).
func (c *Client) Stream(ctx context.Context, command string, args any, each func(json.RawMessage) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { _ = c.conn.Close() })
	defer stop()
	if err := c.send(ctx, Request{Command: command}, args); err != nil {
		return ctxErr(ctx, err)
	}
	for {
		resp, err := c.receive(command)
		if err != nil {
			if settle(ctx, err).Err() != nil {
				return nil
			}
			return err
		}
		if len(resp.Result) > 0 {
			if err := each(resp.Result); err != nil {
				return err
			}
		}
		if !resp.More {
			return nil
		}
	}
}

// ctxErr joins ctx's error to err when ctx ended.
func ctxErr(ctx context.Context, err error) error {
	if settle(ctx, err).Err() != nil {
		return errors.Join(ctx.Err(), err)
	}
	return err
}

// settle returns ctx once it has ended if err is the connection's
// deadline, which is ctx's: the socket can time out a moment before ctx's
// own timer fires, and the caller must see ctx ended, not a bare I/O
// timeout.
func settle(ctx context.Context, err error) context.Context {
	if _, ok := ctx.Deadline(); ok && errors.Is(err, os.ErrDeadlineExceeded) {
		<-ctx.Done()
	}
	return ctx
}
