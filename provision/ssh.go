package provision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// Endpoint says how to reach one node over SSH: what Vagrant's ssh-config
// gives (HostName, Port, User, IdentityFile), or 127.0.0.1:port and the
// lab's own key for a netns node.
type Endpoint struct {
	Node         string // the node's name; the host key is pinned under it
	Host         string
	Port         int
	User         string
	IdentityFile string
}

// Addr is host:port.
func (e Endpoint) Addr() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// DialOptions tune Dial. Zero fields take the defaults noted.
type DialOptions struct {
	// Timeout bounds all attempts together (default 60 s); the context
	// can end them sooner.
	Timeout time.Duration
	// AttemptTimeout bounds one TCP connect + SSH handshake (default 10 s).
	AttemptTimeout time.Duration
	// Backoff is the first wait between attempts (default 100 ms); it
	// doubles up to MaxBackoff (default 2 s).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// KeepaliveInterval is how often a keepalive@openssh.com request is
	// sent (default 15 s; negative: none). After KeepaliveMax (default 3)
	// unanswered intervals in a row the connection is closed as dead.
	KeepaliveInterval time.Duration
	KeepaliveMax      int
	// Logger receives one debug line per failed attempt (default: none).
	Logger *slog.Logger
}

func (o DialOptions) withDefaults() DialOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.Timeout, 60*time.Second)
	def(&o.AttemptTimeout, 10*time.Second)
	def(&o.Backoff, 100*time.Millisecond)
	def(&o.MaxBackoff, 2*time.Second)
	def(&o.KeepaliveInterval, 15*time.Second)
	if o.KeepaliveMax == 0 {
		o.KeepaliveMax = 3
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Client is an SSH connection to one node, with keepalives.
type Client struct {
	Node string
	// Overhead is the time the successful attempt took to connect and
	// complete the SSH handshake (retries before it not counted).
	Overhead time.Duration
	// Attempts is how many attempts Dial made.
	Attempts int

	endpoint  Endpoint
	ssh       *ssh.Client
	done      chan struct{} // closed by Close
	closeOnce sync.Once
	mu        sync.Mutex
	deadErr   error // set when keepalives found the connection dead
}

// Dial connects to ep, retrying with exponential backoff while the node
// refuses or drops connections (it may still be booting), until
// opts.Timeout or ctx ends. Authentication failures and host key
// mismatches are not retried: they will not heal by waiting.
func Dial(ctx context.Context, ep Endpoint, hosts *KnownHosts, opts DialOptions) (*Client, error) {
	opts = opts.withDefaults()
	signer, err := loadSigner(ep.IdentityFile)
	if err != nil {
		return nil, fmt.Errorf("node %q: %w", ep.Node, err)
	}
	cfg := &ssh.ClientConfig{
		User:              ep.User,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback:   hosts.Callback(ep.Node),
		HostKeyAlgorithms: hosts.Algorithms(ep.Node),
		Timeout:           opts.AttemptTimeout,
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	start := time.Now()
	wait := opts.Backoff
	for attempt := 1; ; attempt++ {
		t0 := time.Now()
		c, err := dialOnce(ctx, ep.Addr(), cfg, opts.AttemptTimeout)
		if err == nil {
			cl := &Client{Node: ep.Node, Overhead: time.Since(t0), Attempts: attempt, endpoint: ep, ssh: c, done: make(chan struct{})}
			if opts.KeepaliveInterval > 0 {
				go cl.keepalive(opts.KeepaliveInterval, opts.KeepaliveMax)
			}
			return cl, nil
		}
		if permanent(err) {
			return nil, hostKeyHint(fmt.Errorf("ssh to node %q (%s@%s): %w", ep.Node, ep.User, ep.Addr(), err))
		}
		opts.Logger.Debug("ssh dial failed, retrying", "node", ep.Node, "addr", ep.Addr(), "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			if errors.Is(parent.Err(), context.Canceled) {
				// Interrupted: the last error is most often the
				// cancellation's own doing, and waiting longer is no advice.
				return nil, fmt.Errorf("ssh to node %q (%s@%s): %w", ep.Node, ep.User, ep.Addr(), context.Cause(parent))
			}
			return nil, hint.Wrap(&GaveUpError{Endpoint: ep, Attempts: attempt, After: time.Since(start), Err: context.Cause(ctx), Last: err},
				"is the node up and its sshd running?")
		case <-time.After(wait):
		}
		wait = min(2*wait, opts.MaxBackoff)
	}
}

func dialOnce(ctx context.Context, addr string, cfg *ssh.ClientConfig, timeout time.Duration) (*ssh.Client, error) {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(actx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	// The handshake has no context: a deadline bounds it, and closing the
	// connection when ctx ends interrupts it.
	deadline, _ := actx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(actx, func() { conn.Close() })
	defer stop()
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(c, chans, reqs), nil
}

// permanent reports errors that retrying cannot fix.
func permanent(err error) bool {
	var hk *HostKeyChangedError
	if errors.As(err, &hk) {
		return true
	}
	var pk *HostKeyPinError
	if errors.As(err, &pk) {
		return true
	}
	// x/crypto/ssh has no typed error for a refused authentication.
	return bytes.Contains([]byte(err.Error()), []byte("unable to authenticate"))
}

func loadSigner(path string) (ssh.Signer, error) {
	if path == "" {
		return nil, ErrNoIdentity
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read identity file: %w", err)
	}
	s, err := ssh.ParsePrivateKey(data)
	if err != nil {
		var pp *ssh.PassphraseMissingError
		if errors.As(err, &pp) {
			return nil, hint.Errorf("use a key without a passphrase", "identity file %s is encrypted", path)
		}
		return nil, fmt.Errorf("parse identity file %s: %w", path, err)
	}
	return s, nil
}

// keepalive sends keepalive@openssh.com requests every interval and closes
// the connection after max unanswered ones in a row, so that commands
// waiting on a dead node fail instead of hanging.
func (c *Client) keepalive(interval time.Duration, max int) {
	t := time.NewTicker(interval)
	defer t.Stop()
	missed := 0
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		reply := make(chan error, 1)
		go func() {
			_, _, err := c.ssh.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		select {
		case <-c.done:
			return
		case err := <-reply:
			if err != nil {
				c.markDead(fmt.Errorf("keepalive: %w", err))
				return
			}
			missed = 0
		case <-time.After(interval):
			missed++
			if missed >= max {
				c.markDead(fmt.Errorf("no answer to %d keepalives in %s", missed, time.Duration(missed)*interval))
				return
			}
		}
	}
}

func (c *Client) markDead(err error) {
	c.mu.Lock()
	if c.deadErr == nil {
		c.deadErr = fmt.Errorf("connection to node %q is dead: %w", c.Node, err)
	}
	c.mu.Unlock()
	c.ssh.Close()
}

// Err returns why keepalives declared the connection dead, or nil.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deadErr
}

// Close ends the connection. It is safe to call more than once.
func (c *Client) Close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.done)
		err = c.ssh.Close()
	})
	return err
}

// SSH returns the underlying connection (for SFTP and forwarding).
func (c *Client) SSH() *ssh.Client { return c.ssh }
