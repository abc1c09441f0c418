package chaos

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gossiplab/gossiplab/lab"
)

// This file holds the engine's reading side: clock offsets, journals, and
// the wait until every observer noticed.

// clocks estimates every observer's clock offset unless the provider
// shares the host clock.
func (e *Engine) clocks(ctx context.Context, nodes []string, shared bool) (map[string]ClockOffset, error) {
	out := map[string]ClockOffset{}
	if shared {
		return out, nil
	}
	samples := e.ClockSamples
	if samples == 0 {
		samples = 5
	}
	var mu sync.Mutex
	var errs []error
	forEach(len(nodes), e.Parallel, func(i int) {
		o, err := EstimateOffset(ctx, e.Shell, nodes[i], samples, e.now)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
			return
		}
		out[nodes[i]] = o
	})
	if len(errs) > 0 {
		e.logger().Warn("clock offsets: some nodes did not answer; their latencies are not measured", "err", errors.Join(errs...))
	}
	return out, nil
}

// readJournals reads each node's journal after the entries it already
// holds in have; nodes that do not answer are left out of the result.
func (e *Engine) readJournals(ctx context.Context, nodes []string, have map[string][]Entry) map[string][]Entry {
	out := map[string][]Entry{}
	var mu sync.Mutex
	forEach(len(nodes), e.Parallel, func(i int) {
		n := nodes[i]
		old := have[n]
		var since uint64
		if len(old) > 0 {
			since = old[len(old)-1].Seq
		}
		args := []string{"-format", "json"}
		if since > 0 {
			args = append(args, "-since", strconv.FormatUint(since, 10))
		}
		raw, err := e.Shell.Run(ctx, n, e.Agent.Cmd("journal", args...), nil)
		var entries []Entry
		if err == nil {
			entries, err = ParseJournal(strings.NewReader(string(raw)))
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			e.logger().Debug("journal unreadable", "node", n, "err", err)
			if old != nil {
				out[n] = old
			}
			return
		}
		// An agent that restarted numbers from 1 again: keep what is new.
		merged := slices.Clone(old)
		for _, en := range entries {
			if en.Seq > since || since == 0 {
				merged = append(merged, en)
			}
		}
		if merged == nil {
			merged = []Entry{}
		}
		out[n] = merged
	})
	return out
}

// await reads what the observers noticed (w: their journals, or Serf's
// monitor streams) until each has noticed the fault, the timeout passes
// or ctx ends.
func (e *Engine) await(ctx context.Context, req Request, p *plan, injected time.Time, journals map[string][]Entry, clocks map[string]ClockOffset, w watcher) (Result, error) {
	// Entries count up to the cap; the result is measured again with the
	// wait in effect when it ends.
	in := MeasureInput{Injected: injected, Timeout: max(p.wait.Cap, p.timeout), Outcomes: req.Action.Outcomes(), Expect: p.expect, Journals: journals, Clocks: clocks}
	if len(p.expect) == 0 {
		in.Timeout = p.timeout
		return Measure(in), nil
	}
	poll := e.Poll
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	var lastProgress time.Time
	noticed := 0
	// Observers whose agent did not answer before the injection cannot
	// notice anything: they are reported unreachable, not waited for.
	pending := filter(p.observers, func(n string) bool { _, ok := journals[n]; return ok })
	lastSaw := -1
	for {
		fresh := w.Read(ctx, pending)
		for n, j := range fresh {
			in.Journals[n] = j
		}
		res := Measure(in)
		pending = filter(pending, func(n string) bool {
			for _, o := range res.Observations {
				if o.Node == n {
					return !o.Saw
				}
			}
			return false
		})
		if k := noticedSum(res); k > noticed {
			noticed, lastProgress = k, e.now()
		}
		deadline := p.wait.Deadline(injected, lastProgress)
		if len(pending) == 0 || !e.now().Before(deadline) {
			if len(pending) == 0 {
				deadline = earlier(deadline, e.now())
			}
			return e.ended(in, p, deadline), nil
		}
		level := slog.LevelDebug
		if res.Stats.N != lastSaw {
			level, lastSaw = slog.LevelInfo, res.Stats.N
		}
		e.logger().Log(ctx, level, "waiting", "saw", res.Stats.N, "of", len(res.Observations), "pending", lab.Summarize(pending))
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// noticedSum is how many (observer, subject) pairs were noticed.
func noticedSum(res Result) int {
	k := 0
	for _, o := range res.Observations {
		k += o.Noticed
	}
	return k
}

// ended measures in once the wait is over at deadline (when the last
// observer saw it, or the wait ran out). Past the base, the observers
// extended the wait: that is the step's timeout from then on.
func (e *Engine) ended(in MeasureInput, p *plan, deadline time.Time) Result {
	if d := deadline.Sub(in.Injected); d > p.timeout {
		p.timeout = d
		e.logger().Info("waited past the base: observers kept noticing", "base", p.wait.Base, "waited", d.Round(time.Millisecond))
	}
	in.Timeout = p.timeout
	return Measure(in)
}

// viewExpectations: after heal on Serf (no journal to look back into),
// each observer should see alive again every running node its agent
// listed as anything but alive before the heal.
func viewExpectations(observers []string, views Views, running []string) []Expectation {
	var out []Expectation
	for _, o := range observers {
		view, ok := views[o]
		if !ok {
			continue
		}
		down := filter(running, func(n string) bool { return n != o && view[n] != "" && view[n] != "alive" })
		if len(down) > 0 {
			out = append(out, Expectation{Observer: o, Subjects: down})
		}
	}
	return out
}

// healExpectations: after heal, each observer should see alive again
// every running node it had as failed or left.
func healExpectations(observers []string, journals map[string][]Entry, at time.Time, clocks map[string]ClockOffset, running []string) []Expectation {
	var out []Expectation
	for _, o := range observers {
		// Only members whose agent answered (its journal was read) can
		// come back: a node that runs with its agent killed or stopped
		// stays down whatever heal does.
		down := filter(DownAt(journals[o], at, clocks[o]), func(n string) bool {
			_, answered := journals[n]
			return slices.Contains(running, n) && n != o && answered
		})
		if len(down) > 0 {
			out = append(out, Expectation{Observer: o, Subjects: down})
		}
	}
	return out
}
