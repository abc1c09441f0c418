package provision

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
)

// Resolver tells how to reach nodes, for a Pool that meets a node it has
// no endpoint for.
type Resolver func(ctx context.Context, nodes []string) ([]Endpoint, error)

// Pool holds one SSH connection per node, made on first use and shared by
// every command run on that node until Close: provisioning, verification,
// membership views and chaos all multiplex their sessions over it, so a
// lab command pays one TCP connect and one handshake per node. A
// connection that died is made again on next use.
type Pool struct {
	*conns
	opts DialOptions
}

// conns are the connections a pool and its views (With) share.
type conns struct {
	hosts   *KnownHosts
	resolve Resolver

	mu     sync.Mutex
	eps    map[string]Endpoint
	byNode map[string]*poolConn
	dials  atomic.Int64
}

// poolConn is one node's connection; mu serialises dialing it.
type poolConn struct {
	mu sync.Mutex
	c  *Client
}

// NewPool makes a pool that dials with opts and pins host keys in hosts;
// resolve (may be nil) is asked for endpoints not given with Add.
func NewPool(hosts *KnownHosts, opts DialOptions, resolve Resolver) *Pool {
	return &Pool{conns: &conns{hosts: hosts, resolve: resolve, eps: map[string]Endpoint{}, byNode: map[string]*poolConn{}}, opts: opts}
}

// With is a view of the pool that shares its connections but makes new
// ones with opts: provisioning waits minutes for a booting node, chaos
// gives up on a halted one after seconds.
func (p *Pool) With(opts DialOptions) *Pool { return &Pool{conns: p.conns, opts: opts} }

// HostKeys is the known_hosts file the pool pins host keys in.
func (p *Pool) HostKeys() *KnownHosts { return p.hosts }

// Add records how to reach nodes; a changed endpoint replaces the
// node's connection at its next use.
func (p *conns) Add(eps ...Endpoint) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ep := range eps {
		p.eps[ep.Node] = ep
	}
}

// Dials counts the connections made so far.
func (p *conns) Dials() int { return int(p.dials.Load()) }

func (p *conns) endpoint(ctx context.Context, node string) (Endpoint, error) {
	p.mu.Lock()
	ep, ok := p.eps[node]
	p.mu.Unlock()
	if ok {
		return ep, nil
	}
	if p.resolve == nil {
		return Endpoint{}, fmt.Errorf("node %q: no SSH endpoint known", node)
	}
	eps, err := p.resolve(ctx, []string{node})
	if err != nil {
		return Endpoint{}, fmt.Errorf("ssh endpoint of %s: %w", node, err)
	}
	if len(eps) != 1 {
		return Endpoint{}, fmt.Errorf("ssh endpoint of %s: got %d", node, len(eps))
	}
	p.Add(eps[0])
	return eps[0], nil
}

// Client returns node's connection, dialing it when there is none or the
// one there died.
func (p *Pool) Client(ctx context.Context, node string) (*Client, error) {
	ep, err := p.endpoint(ctx, node)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	pc := p.byNode[node]
	if pc == nil {
		pc = &poolConn{}
		p.byNode[node] = pc
	}
	p.mu.Unlock()
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.c != nil && pc.c.Err() == nil && pc.c.endpoint == ep {
		return pc.c, nil
	}
	if pc.c != nil {
		pc.c.Close()
		pc.c = nil
	}
	c, err := Dial(ctx, ep, p.hosts, p.opts)
	if err != nil {
		return nil, err
	}
	p.dials.Add(1)
	pc.c = c
	return c, nil
}

// Drop closes node's connection, if any (the node was halted or
// re-created: the next use dials again).
func (p *conns) Drop(node string) {
	p.mu.Lock()
	pc := p.byNode[node]
	delete(p.byNode, node)
	p.mu.Unlock()
	if pc != nil {
		pc.mu.Lock()
		if pc.c != nil {
			pc.c.Close()
		}
		pc.mu.Unlock()
	}
}

// Close closes every connection, all at once.
func (p *conns) Close() error {
	p.mu.Lock()
	all := p.byNode
	p.byNode = map[string]*poolConn{}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, pc := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc.mu.Lock()
			defer pc.mu.Unlock()
			if pc.c != nil {
				pc.c.Close()
			}
		}()
	}
	wg.Wait()
	return nil
}

// asRoot runs cmd as root: as is for root, through `sudo -n` for another
// login.
func asRoot(c *Client, cmd string) string {
	if c.endpoint.User == "root" {
		return cmd
	}
	return "sudo -n sh -c " + shellQuote(cmd)
}

// Run runs cmd on node as root with stdin (nil: none) and returns what it
// printed on stdout. A failure says what ran and what it printed on
// stderr; a command that exited non-zero is a *CommandError.
func (p *Pool) Run(ctx context.Context, node, cmd string, stdin []byte) ([]byte, error) {
	c, err := p.Client(ctx, node)
	if err != nil {
		return nil, err
	}
	var in io.Reader
	if stdin != nil {
		in = bytes.NewReader(stdin)
	}
	out, err := c.Run(ctx, asRoot(c, cmd), in)
	if err != nil {
		return out.Stdout, &CommandError{Node: node, Command: cmd, Exit: out.Exit, Output: strings.TrimSpace(string(out.Stderr)), Err: err}
	}
	return out.Stdout, nil
}

// CommandError is a command that failed on a node: Exit is its status,
// or -1 when it could not run or the connection failed.
type CommandError struct {
	Node, Command string
	Exit          int
	Output        string // what it printed on stderr
	Err           error
}

func (e *CommandError) Error() string {
	first, _, _ := strings.Cut(e.Command, "\n")
	if len(first) > 80 {
		first = first[:77] + "..."
	}
	msg := fmt.Sprintf("%q: exit status %d", first, e.Exit)
	if e.Exit < 0 {
		msg = fmt.Sprintf("%q: %v", first, e.Err)
	}
	if e.Output != "" && e.Exit >= 0 {
		msg += ": " + e.Output
	}
	return msg
}

func (e *CommandError) Unwrap() error { return e.Err }

// Stream runs cmd on node as root and calls line with each line it prints
// (stdout and stderr) as it arrives. stdin stays the command's standard
// input until it is closed: closing it is how a caller asks a remote loop
// to end. When ctx ends the command is killed and Stream returns nil.
func (p *Pool) Stream(ctx context.Context, node, cmd string, stdin io.Reader, line func(string)) error {
	c, err := p.Client(ctx, node)
	if err != nil {
		return err
	}
	lw := &lineWriter{fn: line}
	defer lw.flush()
	return c.StreamInput(ctx, asRoot(c, cmd), stdin, lw, lw)
}

// StreamInput runs cmd with stdin, its output to stdout and stderr as it
// comes, until it exits or ctx ends (which kills it and returns nil).
func (c *Client) StreamInput(ctx context.Context, cmd string, stdin io.Reader, stdout, stderr io.Writer) error {
	sess, err := c.newSession(cmd)
	if err != nil {
		return err
	}
	defer sess.Close()
	sess.Stdout, sess.Stderr, sess.Stdin = stdout, stderr, stdin
	if err := sess.Start(cmd); err != nil {
		return &RunError{Node: c.Node, Command: cmd, Err: fmt.Errorf("start: %w", err)}
	}
	stop := context.AfterFunc(ctx, func() { kill(sess) })
	defer stop()
	err = sess.Wait()
	if ctx.Err() != nil {
		return nil
	}
	_, err = c.result(cmd, Output{Exit: -1}, err)
	return err
}

// lineWriter calls fn with each complete line written to it; stdout and
// stderr share one, so it locks.
type lineWriter struct {
	mu  sync.Mutex
	fn  func(string)
	buf []byte
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		w.fn(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.fn(string(w.buf))
		w.buf = nil
	}
}
