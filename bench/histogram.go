package bench

import (
	"slices"
	"time"
)

// MaxObserverRows is the largest run whose samples are one line per
// observer. A larger run (the simulator and the closed-form models go up
// to a million nodes) is kept as a histogram of its latencies instead,
// which keeps samples.csv to a few thousand lines per run and every
// statistic within HistogramBin of the per-observer one.
const MaxObserverRows = 10_000

// HistogramBin is the width of a histogram line.
const HistogramBin = time.Millisecond

// runSamples returns the samples of one run from its observers'
// latencies (negative or above proto.Timeout: not learned): one per
// observer, named by name, up to MaxObserverRows, else a histogram.
func runSamples(proto Sample, lats []time.Duration, name func(i int) string) []Sample {
	if len(lats) > MaxObserverRows {
		return histogram(proto, lats)
	}
	out := make([]Sample, len(lats))
	for i, l := range lats {
		s := proto
		s.Observer = name(i)
		if l >= 0 && l <= proto.Timeout {
			s.Latency, s.Learned = l, true
		}
		out[i] = s
	}
	return out
}

// histogram returns one run as histogram lines, by latency: the first
// learner alone (so that t0 is exact), then per HistogramBin the number of
// observers whose latency falls in it, at the latest latency among them
// (so that t100 is exact and every other percentile is at most one bin
// late), then one line for those that never learned. lats is reordered.
func histogram(proto Sample, lats []time.Duration) []Sample {
	slices.Sort(lats)
	var out []Sample
	never := 0
	for _, l := range lats {
		if l < 0 || l > proto.Timeout {
			never++
			continue
		}
		last := len(out) - 1
		if len(out) > 1 && l/HistogramBin == out[last].Latency/HistogramBin {
			out[last].Latency = l
			out[last].Count++
			continue
		}
		s := proto
		s.Latency, s.Learned, s.Count = l, true, 1
		out = append(out, s)
	}
	if never > 0 {
		s := proto
		s.Count = never
		out = append(out, s)
	}
	return out
}
