package virttest

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"
)

// New starts an Env for t and removes it when the test ends, passed,
// failed or interrupted by SIGINT or SIGTERM (also while it starts). It
// first sweeps what dead runs with the same prefix left. It skips the
// test, saying why, unless it runs as root with the tools libvirt needs.
func New(t testing.TB, opts Options) *Env {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: libvirt runs as root inside a network namespace")
	}
	for _, tool := range []string{"ip", "nsenter", "libvirtd", "virtlogd", "virsh", "qemu-system-x86_64", "dnsmasq"} {
		if _, err := lookPath(tool); err != nil {
			t.Skipf("needs %s (apt-get install iproute2 util-linux libvirt-daemon-system libvirt-clients qemu-system-x86 dnsmasq-base): %v", tool, err)
		}
	}
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if err := Sweep(context.Background(), prefix); err != nil {
		t.Logf("sweeping earlier runs: %v", err)
	}
	w := watchSignals()
	e, err := Start(w.ctx, opts) // on error, Start has cleaned up
	if w.signalled() != nil {
		w.reraise()
	}
	if err != nil {
		w.stop()
		t.Fatal(err)
	}
	go func() {
		<-w.ctx.Done()
		if w.signalled() != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			_ = e.Cleanup(ctx)
			cancel()
			w.reraise()
		}
	}()
	t.Cleanup(func() {
		w.stop()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := e.Cleanup(ctx); err != nil {
			t.Error(err)
		}
	})
	return e
}

// signalWatch cancels its context when the process gets SIGINT or
// SIGTERM (or when stopped, without a signal).
type signalWatch struct {
	ctx    context.Context
	cancel context.CancelFunc
	ch     chan os.Signal
	mu     sync.Mutex
	sig    os.Signal
}

func watchSignals() *signalWatch {
	w := &signalWatch{ch: make(chan os.Signal, 1)}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	signal.Notify(w.ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-w.ch:
			w.mu.Lock()
			w.sig = s
			w.mu.Unlock()
			w.cancel()
		case <-w.ctx.Done():
		}
	}()
	return w
}

func (w *signalWatch) signalled() os.Signal {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sig
}

// stop ends the watch without a signal.
func (w *signalWatch) stop() {
	signal.Stop(w.ch)
	w.cancel()
}

// reraise lets the signal do what it would have done without the watch:
// end the test binary.
func (w *signalWatch) reraise() {
	sig := w.signalled().(syscall.Signal)
	signal.Stop(w.ch)
	signal.Reset(sig)
	_ = syscall.Kill(os.Getpid(), sig)
	select {} // the signal ends the process
}

// lookPath finds a tool on PATH or in the sbin directories.
func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if p, err := exec.LookPath(dir + "/" + name); err == nil {
			return p, nil
		}
	}
	return exec.LookPath(name)
}
