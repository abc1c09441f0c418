package bench

import (
	"fmt"
	"time"
)

// synthetic builds samples for one group: runs runs of obs observers where
// observer i of run r learned at (i+1)*step + r*shift; the last missing
// observers of every run never learned.
func synthetic(backend string, ev Event, n, runs, obs, missing int, step, shift time.Duration) []Sample {
	var out []Sample
	for r := range runs {
		for i := range obs {
			s := Sample{Backend: backend, N: n, Run: r, Observer: fmt.Sprintf("node-%d", i), Event: ev,
				Timeout: 10 * time.Second}
			if i < obs-missing {
				s.Latency = time.Duration(i+1)*step + time.Duration(r)*shift
				s.Learned = true
			}
			out = append(out, s)
		}
	}
	return out
}
