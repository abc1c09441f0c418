package simulator

import (
	"math"
	"slices"
	"time"
)

// sorted returns the observers' latencies ascending, Never last.
func (c Change) sorted() []time.Duration {
	ls := make([]time.Duration, len(c.Observers))
	for i, o := range c.Observers {
		ls[i] = o.Latency
	}
	slices.SortFunc(ls, func(a, b time.Duration) int {
		switch {
		case a == b:
			return 0
		case a == Never:
			return 1
		case b == Never:
			return -1
		case a < b:
			return -1
		}
		return 1
	})
	return ls
}

func ceilPos(x float64) float64 { return math.Ceil(x - 1e-9) }

// Pooled merges the runs' Converged changes into one change whose
// observers are every (run, observer) pair, for percentiles over a Monte
// Carlo (Node keeps the observer's index within its run).
func Pooled(rs []Result) Change {
	var out Change
	for k, r := range rs {
		c := r.Converged()
		if k == 0 {
			out.What, out.Subject = c.What, c.Subject
		}
		out.Observers = append(out.Observers, c.Observers...)
	}
	return out
}
