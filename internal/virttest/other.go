//go:build !linux

package virttest

import (
	"context"
	"errors"
	"testing"
)

// Options configure Start and New.
type Options struct {
	// Prefix begins the namespace's name.
	Prefix string
}

// Env is libvirt running inside a network namespace; Linux only.
type Env struct {
	Name, Dir string
}

// Start fails: network namespaces are Linux's.
func Start(context.Context, Options) (*Env, error) {
	return nil, errors.New("virttest needs Linux network namespaces")
}

// New skips the test: network namespaces are Linux's.
func New(t testing.TB, _ Options) *Env {
	t.Skip("virttest needs Linux network namespaces")
	return nil
}
