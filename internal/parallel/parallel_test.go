package parallel

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestEachBoundsConcurrencyAndKeepsErrorsByIndex(t *testing.T) {
	var running, peak atomic.Int32
	boom := errors.New("boom")
	errs := Each(context.Background(), 20, 3, func(_ context.Context, i int) error {
		now := running.Add(1)
		for {
			p := peak.Load()
			if now <= p || peak.CompareAndSwap(p, now) {
				break
			}
		}
		defer running.Add(-1)
		if i == 7 {
			return boom
		}
		return nil
	})
	if p := peak.Load(); p > 3 || p < 1 {
		t.Errorf("peak concurrency %d, want 1..3", p)
	}
	for i, err := range errs {
		if (i == 7) != (err != nil) {
			t.Errorf("errs[%d] = %v", i, err)
		}
	}
}

func TestEachStopsStartingWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	errs := Each(ctx, 10, 1, func(_ context.Context, i int) error {
		calls.Add(1)
		if i == 2 {
			cancel()
		}
		return nil
	})
	if c := calls.Load(); c != 3 {
		t.Errorf("%d calls, want 3", c)
	}
	for i := 3; i < 10; i++ {
		if !errors.Is(errs[i], ErrNotStarted) || !errors.Is(errs[i], context.Canceled) {
			t.Errorf("errs[%d] = %v, want not started: canceled", i, errs[i])
		}
	}
}

func TestEachLimitBelowOne(t *testing.T) {
	if errs := Each(context.Background(), 2, 0, func(context.Context, int) error { return nil }); len(errs) != 2 {
		t.Fatal(errs)
	}
}
