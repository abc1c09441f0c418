package chaos

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// ClockOffset is a node's clock minus the controller's, and how far off
// that estimate may be. A time read on the node maps to the controller's
// clock as t - Offset.
type ClockOffset struct {
	Offset      time.Duration `json:"offset_ns"`
	Uncertainty time.Duration `json:"uncertainty_ns"`
}

// OffsetFromSample estimates the offset from one round trip: the
// controller read before and after, and the node read remote in between.
// The node's reading is taken to be at the midpoint; it can be anywhere
// in the round trip, so the uncertainty is half of it.
func OffsetFromSample(before, after time.Time, remote time.Time) ClockOffset {
	rtt := after.Sub(before)
	mid := before.Add(rtt / 2)
	return ClockOffset{Offset: remote.Sub(mid), Uncertainty: rtt / 2}
}

// EstimateOffset reads the node's clock over sh `samples` times (`date
// +%s%N`) and keeps the sample with the shortest round trip, the tightest
// bound. now is the controller's clock.
func EstimateOffset(ctx context.Context, sh Shell, node string, samples int, now func() time.Time) (ClockOffset, error) {
	if samples < 1 {
		samples = 1
	}
	var best ClockOffset
	for i := range samples {
		before := now()
		out, err := sh.Run(ctx, node, "date +%s%N", nil)
		after := now()
		if err != nil {
			return ClockOffset{}, fmt.Errorf("read the clock of %s: %w", node, err)
		}
		ns, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		if err != nil || ns <= 0 {
			return ClockOffset{}, hint.Errorf("the node needs GNU date (coreutils)", "read the clock of %s: %q is not nanoseconds since 1970", node, strings.TrimSpace(string(out)))
		}
		o := OffsetFromSample(before, after, time.Unix(0, ns))
		if i == 0 || o.Uncertainty < best.Uncertainty {
			best = o
		}
	}
	return best, nil
}
