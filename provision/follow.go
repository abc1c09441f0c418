package provision

import (
	"context"
	"io"
)

// Follow runs cmd on node as root and calls each with every line it
// prints on stdout, until it exits or ctx ends (which returns nil). Its
// standard input stays open until then and is closed at the end, so that
// a remote loop that reads it (to notice that the client went away) ends
// with the follow. What the command prints on stderr is dropped.
func (p *Pool) Follow(ctx context.Context, node, cmd string, each func(line []byte)) error {
	c, err := p.Client(ctx, node)
	if err != nil {
		return err
	}
	stdin, hold := io.Pipe()
	stop := context.AfterFunc(ctx, func() { hold.Close() })
	defer stop()
	defer hold.Close()
	lw := &lineWriter{fn: func(line string) { each([]byte(line)) }}
	defer lw.flush()
	return c.StreamInput(ctx, asRoot(c, cmd), stdin, lw, io.Discard)
}
