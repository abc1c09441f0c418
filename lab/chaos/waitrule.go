package chaos

import (
	"context"
	"fmt"
	"math"
	"time"
)

// The default wait's rule (see DefaultWait and docs/chaos.md).
const (
	// WaitMargin multiplies the simulator's slowest observer. The
	// simulator's crash and leave times on netns labs and in-process
	// clusters were within 20% of the measured ones (docs/simulator.md);
	// 1.5 leaves that error room more than twice over.
	WaitMargin = 1.5
	// WaitFloor is added to it: a probe interval's phase at small N, an
	// agent's start, the controller's journal reads.
	WaitFloor = 10 * time.Second
	// WaitCapFactor bounds a wait that observers keep extending, as a
	// multiple of its base.
	WaitCapFactor = 10
	// WaitCapMax bounds every default wait.
	WaitCapMax = time.Hour
)

// Wait is how long a step waits for its observers, and why.
type Wait struct {
	// Base is the wait after the injection when nothing extends it.
	Base time.Duration
	// Quiet, when not zero, extends the wait past Base while observers
	// keep noticing: until no subject was newly noticed for Quiet.
	Quiet time.Duration
	// Cap is the longest wait, extensions included.
	Cap time.Duration
	// Rule says where Base came from.
	Rule string
	// Prediction is the simulator's forecast of the step, when it has
	// one.
	Prediction *Prediction
}

// FixedWait is --timeout: exactly d, never extended.
func FixedWait(d time.Duration) Wait {
	return Wait{Base: d, Cap: d, Rule: "--timeout " + d.String()}
}

// DefaultWait is the wait for fault f on agents running the profile,
// from the simulator's prediction pr when ok: WaitMargin x its slowest
// observer + WaitFloor, extended while observers keep noticing (no
// subject newly noticed for the profile rule's time ends it; see
// Timing.DefaultTimeout), at most WaitCapFactor x that or WaitCapMax.
// Up and reload wait at least the profile rule: the simulator does not
// boot machines. Without a prediction (nothing to measure, or a fault the
// simulator cannot run) it is the profile rule, fixed.
func DefaultWait(profile string, f Fault, pr Prediction, ok bool) (Wait, error) {
	t, err := ProfileTiming(profile)
	if err != nil {
		return Wait{}, err
	}
	rule := t.DefaultTimeout(f.Action, f.N)
	if !ok {
		return Wait{Base: rule, Cap: rule, Rule: fmt.Sprintf("the %s profile's suspicion bound for %d nodes", profile, f.N)}, nil
	}
	base := roundUp(time.Duration(WaitMargin*float64(pr.Last)) + WaitFloor)
	why := fmt.Sprintf("%.1f x the simulator's slowest observer (%s) + %s", WaitMargin, fmtDur(pr.Last), fmtDur(WaitFloor))
	if f.Action == ActUp || f.Action == ActReload {
		if rule > base {
			base = rule
			why = fmt.Sprintf("the %s profile's bound for a boot and join (%s): the simulator does not boot machines", profile, fmtDur(rule))
		}
	}
	w := Wait{Base: base, Quiet: rule, Cap: min(WaitCapFactor*base, WaitCapMax), Rule: why, Prediction: &pr}
	w.Cap = max(w.Cap, w.Base)
	return w, nil
}

// roundUp rounds d up to a tenth of a second.
func roundUp(d time.Duration) time.Duration {
	const step = 100 * time.Millisecond
	return time.Duration(math.Ceil(float64(d)/float64(step))) * step
}

// Deadline is when the wait ends after the injection: Base, or past it
// Quiet after the last time a subject was newly noticed, at most Cap.
func (w Wait) Deadline(injected, lastProgress time.Time) time.Time {
	end := injected.Add(w.Base)
	if w.Quiet > 0 && !lastProgress.IsZero() {
		end = later(end, lastProgress.Add(w.Quiet))
	}
	return earlier(end, injected.Add(w.Cap))
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// stepWait is the wait of a step on the lab: --timeout, else the default
// from the simulator's prediction of f.
func (e *Engine) stepWait(ctx context.Context, req Request, f Fault) (Wait, error) {
	if req.Timeout != 0 {
		return FixedWait(req.Timeout), nil
	}
	profile := e.profile()
	if profile == "" {
		profile = "lan"
	}
	if e.Predictor == nil {
		e.Predictor = &Predictor{}
	}
	pr, ok, err := e.Predictor.Predict(ctx, profile, f)
	if err != nil {
		if ctx.Err() != nil {
			return Wait{}, ctx.Err()
		}
		// Beyond what the simulator runs (e.g. a partition of 100,000):
		// the profile's bound.
		e.logger().Warn("no forecast of the step: waiting the profile's bound", "err", err)
		ok = false
	}
	return DefaultWait(profile, f, pr, ok)
}
