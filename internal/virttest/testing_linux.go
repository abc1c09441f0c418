package virttest

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// New starts an Env for t and removes it when the test ends, passed,
// failed or interrupted by SIGINT or SIGTERM. It first sweeps what dead
// runs with the same prefix left. It skips the test, saying why, unless it
// runs as root with the tools libvirt needs.
func New(t testing.TB, opts Options) *Env {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: libvirt runs as root inside a network namespace")
	}
	for _, tool := range []string{"ip", "nsenter", "libvirtd", "virtlogd", "virsh", "qemu-system-x86_64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (apt-get install iproute2 util-linux libvirt-daemon-system libvirt-clients qemu-system-x86): %v", tool, err)
		}
	}
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	ctx := context.Background()
	if err := Sweep(ctx, prefix); err != nil {
		t.Logf("sweeping earlier runs: %v", err)
	}
	e, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	stopSignals := e.cleanupOnSignal()
	t.Cleanup(func() {
		stopSignals()
		cctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := e.Cleanup(cctx); err != nil {
			t.Error(err)
		}
	})
	return e
}

// cleanupOnSignal cleans up when the process gets SIGINT or SIGTERM, then
// lets the signal do what it would have done (end the test binary). The
// returned func stops watching.
func (e *Env) cleanupOnSignal() func() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			_ = e.Cleanup(ctx)
			cancel()
			signal.Reset(sig)
			_ = syscall.Kill(os.Getpid(), sig.(syscall.Signal))
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
