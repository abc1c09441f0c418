package plots

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// Ticks is a plot.Ticker that puts about N labelled ticks (default 8)
// at round values (1, 2 or 5 times a power of ten) with an unlabelled
// tick between each two: denser than gonum's default, for time axes.
type Ticks struct{ N int }

// Ticks implements plot.Ticker.
func (t Ticks) Ticks(lo, hi float64) []plot.Tick {
	n := t.N
	if n <= 0 {
		n = 8
	}
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return nil
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	round := math.Pow10(decimals + 1)
	var out []plot.Tick
	for i := math.Ceil(lo / step * 2); ; i++ {
		v := math.Round(i/2*step*round) / round // 1.2, not 1.2000000000000002
		if v > hi {
			break
		}
		v += 0 // -0 becomes 0
		tk := plot.Tick{Value: v}
		if math.Mod(i, 2) == 0 {
			tk.Label = strconv.FormatFloat(v, 'f', decimals, 64)
		}
		out = append(out, tk)
	}
	return out
}
