// Package signals ends a command's context on SIGINT or SIGTERM, the way
// a user expects of a command-line tool: the first signal asks the
// command to stop (it cleans up what it set up and returns), a second one
// ends the process at once, and the exit status says which signal it was
// (128+N, as a shell reports it).
//
//	ctx, stop := signals.Context(context.Background())
//	code := run(ctx)
//	stop()
//	os.Exit(signals.ExitCode(ctx, code))
package signals

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// Interrupted is the cause of a context a signal ended.
type Interrupted struct{ Signal os.Signal }

func (e *Interrupted) Error() string { return "interrupted by " + Name(e.Signal) }

// Status is what a shell reports for a process the signal ended.
func (e *Interrupted) Status() int {
	if s, ok := e.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}

// Name is SIGINT, SIGTERM or the signal's own name.
func Name(sig os.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// Context returns ctx cancelled by the first SIGINT or SIGTERM, with an
// *Interrupted as its cause. The handler is removed then, so a second
// signal ends the process at once. stop releases the handler.
func Context(ctx context.Context) (_ context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case sig := <-ch:
			signal.Stop(ch)
			cancel(&Interrupted{Signal: sig})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(nil)
		<-done
	}
}

// Of returns the signal that ended ctx, if one did.
func Of(ctx context.Context) (*Interrupted, bool) {
	var ie *Interrupted
	ok := errors.As(context.Cause(ctx), &ie)
	return ie, ok
}

// ExitCode is code, or 128+N when signal N ended ctx and code is not 0
// (a command that finished despite the signal keeps its own status).
func ExitCode(ctx context.Context, code int) int {
	if ie, ok := Of(ctx); ok && code != 0 {
		return ie.Status()
	}
	return code
}
