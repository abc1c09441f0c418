package netns

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os/signal"
	"sync"
	"time"

	"github.com/gossiplab/gossiplab/internal/boundedfile"
	"github.com/gossiplab/gossiplab/internal/hint"
	"golang.org/x/sys/unix"
)

// forwardSpec is a forwarder's configuration file: which 127.0.0.1 port
// goes to which node address, dialed from inside Netns.
type forwardSpec struct {
	Netns  string         `json:"netns"`
	Routes []forwardRoute `json:"routes"`
}

type forwardRoute struct {
	Listen string `json:"listen"` // 127.0.0.1:PORT in the host's namespace
	Target string `json:"target"` // NODE_IP:22 seen from the bridge namespace
}

// runForwarder accepts on every route's listen address and splices each
// connection to a connection made inside the bridge namespace.
func runForwarder(args []string) int {
	fs := flag.NewFlagSet("forward", flag.ContinueOnError)
	config := fs.String("config", "", "forward.json")
	fs.String("lab", "", "lab name (for ps and leftover search)")
	if err := fs.Parse(args); err != nil {
		ready(err)
		return 2
	}
	data, err := boundedfile.ReadFile(*config, 16<<20)
	if err != nil {
		ready(err)
		return 1
	}
	var spec forwardSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		ready(fmt.Errorf("read %s: %w", *config, err))
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), unix.SIGTERM, unix.SIGINT)
	defer stop()
	var lns []net.Listener
	for _, r := range spec.Routes {
		ln, err := net.Listen("tcp", r.Listen)
		if err != nil {
			ready(hint.Errorf("another program or lab uses this port; set ssh_port_base in lab.hcl to a free range", "forward SSH port: %w", err))
			return 1
		}
		lns = append(lns, ln)
	}
	ready(nil)
	var wg sync.WaitGroup
	for i, ln := range lns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			serve(ctx, ln, spec.Netns, spec.Routes[i].Target)
		}()
	}
	<-ctx.Done()
	for _, ln := range lns {
		ln.Close()
	}
	wg.Wait()
	return 0
}

func serve(ctx context.Context, ln net.Listener, netns, target string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go splice(ctx, c, netns, target)
	}
}

func splice(ctx context.Context, c net.Conn, netns, target string) {
	defer c.Close()
	n, err := dialInNetns(ctx, netns, target)
	if err != nil {
		return // the node is down: the client sees the connection closed
	}
	defer n.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(n, c)
	go pipe(c, n)
	select {
	case <-done:
		<-done
	case <-ctx.Done():
	}
}

// dialInNetns makes a TCP connection from inside the network namespace
// at path: the socket is created on a thread that joined it.
func dialInNetns(ctx context.Context, path, addr string) (net.Conn, error) {
	var conn net.Conn
	err := inNetns(path, func() error {
		d := net.Dialer{Timeout: 5 * time.Second}
		var err error
		conn, err = d.DialContext(ctx, "tcp", addr)
		return err
	})
	return conn, err
}
