package command

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// interruptedError says which signal ended a command.
type interruptedError struct{ sig os.Signal }

func (e *interruptedError) Error() string { return "interrupted by " + signalName(e.sig) }

// exitStatus is what a shell reports for a process the signal killed.
func (e *interruptedError) exitStatus() int {
	if s, ok := e.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}

func signalName(sig os.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// withSignals returns ctx cancelled by the first SIGINT or SIGTERM, with
// an *interruptedError as its cause. The handler is removed then, so a
// second signal ends the process at once, as if labagent caught none.
// stop releases the handler.
func withSignals(ctx context.Context) (_ context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case sig := <-ch:
			signal.Stop(ch)
			cancel(&interruptedError{sig: sig})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(nil)
		<-done
	}
}

// interruption returns the signal that ended the command: the cause of
// ctx, or an *interruptedError the command returned.
func interruption(ctx context.Context, err error) (*interruptedError, bool) {
	var ie *interruptedError
	if errors.As(context.Cause(ctx), &ie) || errors.As(err, &ie) {
		return ie, true
	}
	return nil, false
}
