// Package parallel runs a batch of calls with bounded concurrency: the
// one worker pool behind booting nodes, provisioning them and reaching
// them for chaos.
package parallel

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrNotStarted is wrapped, with the context's cause, in the error of a
// call that never started because the context ended first.
var ErrNotStarted = errors.New("not started")

// Each calls fn(ctx, i) for every i in [0, n), at most limit at a time
// (limit < 1 means 1), in index order, and returns each call's error by
// index. Once ctx is done no further call starts; those calls' errors wrap
// ErrNotStarted and context.Cause(ctx).
func Each(ctx context.Context, n, limit int, fn func(ctx context.Context, i int) error) []error {
	errs := make([]error, n)
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			for j := i; j < n; j++ {
				errs[j] = fmt.Errorf("%w: %w", ErrNotStarted, context.Cause(ctx))
			}
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = fn(ctx, i)
		}()
	}
	wg.Wait()
	return errs
}
