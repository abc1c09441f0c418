package bench

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Percentiles reported for every group. 0 is the first learner of a run
// (t0: for a crash, the first observer to declare the node dead), 100 the
// last (t100: for a crash, all-dead).
var Percentiles = []float64{0, 50, 95, 99, 100}

// runLatencies returns the sorted latencies in seconds of one run's
// observers (a histogram line gives its latency once per observer it
// stands for), with +Inf for observers that never learned the event.
func runLatencies(run []Sample) []float64 {
	n := 0
	for _, s := range run {
		n += s.Weight()
	}
	out := make([]float64, 0, n)
	for _, s := range run {
		v := math.Inf(1)
		if s.Learned {
			v = s.Latency.Seconds()
		}
		for range s.Weight() {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// nearestRank returns the time by which p% of the sorted values are in:
// the ceil(p/100*n)-th smallest (+Inf when that value is +Inf).
func nearestRank(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	k := int(math.Ceil(p / 100 * float64(len(sorted))))
	k = max(1, min(k, len(sorted)))
	return sorted[k-1]
}

// median returns the median of vs (mean of the two middle values for an
// even count; +Inf participates as the largest value). vs is sorted in place.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	a, b := vs[n/2-1], vs[n/2]
	if math.IsInf(b, 1) {
		return b
	}
	return (a + b) / 2
}

// Estimate is a statistic with its bootstrap 95% interval. A nil pointer
// means "not reached": too few observers learned the event.
type Estimate struct {
	Value *float64 `json:"value"`
	Low   *float64 `json:"ci95_low"`
	High  *float64 `json:"ci95_high"`
}

func finite(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}

// bootstrapResamples is the number of bootstrap resamples per estimate.
const bootstrapResamples = 2000

// medianWithCI returns the median of perRun with a percentile bootstrap
// 95% interval from resampling runs with rng.
func medianWithCI(perRun []float64, rng *rand.Rand) Estimate {
	if len(perRun) == 0 {
		return Estimate{}
	}
	m := median(slices.Clone(perRun))
	if len(perRun) == 1 {
		return Estimate{Value: finite(m), Low: finite(m), High: finite(m)}
	}
	meds := make([]float64, bootstrapResamples)
	buf := make([]float64, len(perRun))
	for i := range meds {
		for j := range buf {
			buf[j] = perRun[rng.IntN(len(perRun))]
		}
		meds[i] = median(buf)
	}
	slices.Sort(meds)
	return Estimate{
		Value: finite(m),
		Low:   finite(quantile(meds, 0.025)),
		High:  finite(quantile(meds, 0.975)),
	}
}

// quantile returns the q-quantile (0..1) of sorted values by linear
// interpolation between closest ranks.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	if lo == hi || math.IsInf(sorted[hi], 1) {
		return sorted[hi]
	}
	frac := pos - float64(lo)
	return sorted[lo]*(1-frac) + sorted[hi]*frac
}

// informedAt returns the fraction of observers of a sorted run that had
// learned the event by time t (seconds).
func informedAt(sorted []float64, t float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	n, _ := slices.BinarySearch(sorted, math.Nextafter(t, math.Inf(1)))
	return float64(n) / float64(len(sorted))
}

// seedFor derives a bootstrap seed for a group so that results do not
// depend on the order groups are processed in.
func seedFor(seed uint64, k Key) *rand.Rand {
	h := uint64(14695981039346656037)
	for _, b := range []byte(k.String()) {
		h ^= uint64(b)
		h *= 1099511628211
	}
	return rand.New(rand.NewPCG(seed, h))
}
