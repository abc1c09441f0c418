package signals

import (
	"context"
	"syscall"
	"testing"
	"time"
)

func TestFirstSignalCancelsWithItsStatus(t *testing.T) {
	ctx, stop := Context(context.Background())
	defer stop()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGTERM did not end the context")
	}
	ie, ok := Of(ctx)
	if !ok || ie.Status() != 143 || ie.Error() != "interrupted by SIGTERM" {
		t.Fatalf("cause %v, want SIGTERM (143)", context.Cause(ctx))
	}
	if ExitCode(ctx, 1) != 143 || ExitCode(ctx, 0) != 0 {
		t.Errorf("ExitCode(1) = %d, ExitCode(0) = %d; want 143 and 0", ExitCode(ctx, 1), ExitCode(ctx, 0))
	}
	if ExitCode(context.Background(), 1) != 1 {
		t.Error("a context no signal ended keeps the code")
	}
}
