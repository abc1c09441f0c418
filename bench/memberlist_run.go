package bench

// This file holds one run of the memberlist backend: the injection of
// its event, the wait for every observer's journal, and the restore of
// the cluster to N alive members.

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// run injects the event once and waits for every observer; the agents it
// starts live as long as ctx.
func (c *cluster) run(ctx context.Context, run int) ([]Sample, error) {
	ev := c.spec.Event
	in, err := c.injection(ctx, run)
	if err != nil {
		return nil, err
	}
	cursors := make([]uint64, len(in.observers))
	for i, o := range in.observers {
		cursors[i] = o.Cursor()
	}
	t0 := time.Now()
	if err := in.inject(); err != nil {
		return nil, fmt.Errorf("inject %s: %w", ev, err)
	}
	timeout := c.spec.RunTimeout()
	learned, err := c.await(ctx, in.observers, cursors, ev, in.subject, t0, timeout)
	if err != nil {
		return nil, err
	}
	out := c.samples(run, in.observers, learned, t0, timeout)
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := in.restore(actx); err != nil {
		return out, fmt.Errorf("restore the cluster after %s: %w", ev, err)
	}
	return out, nil
}

// samples are the latencies of one run: what each observer learned, and
// when, after t0.
func (c *cluster) samples(run int, observers []clusterNode, learned []time.Time, t0 time.Time, timeout time.Duration) []Sample {
	ev := c.spec.Event
	missing := 0
	out := make([]Sample, len(observers))
	for i, o := range observers {
		s := Sample{Backend: BackendMemberlist, N: c.spec.N, Run: run, Observer: o.Name(), Event: ev, Timeout: timeout}
		if lat := learned[i].Sub(t0); !learned[i].IsZero() && lat <= timeout {
			s.Latency, s.Learned = max(lat, 0), true
		} else {
			missing++
		}
		out[i] = s
	}
	if missing > 0 {
		c.m.Log.Warn("observers did not learn the event within the timeout", "event", ev, "n", c.spec.N, "run", run, "missing", missing, "timeout", timeout)
	}
	return out
}

// injection is one run's event: its subject (a node name, or for a user
// event the event's name), who observes it, how to cause it, and how to
// bring the cluster back to N alive members afterwards.
type injection struct {
	subject   string
	observers []clusterNode
	inject    func() error
	restore   func(ctx context.Context) error
}

// injection prepares run's event; the agents it starts live as long as
// life.
func (c *cluster) injection(life context.Context, run int) (injection, error) {
	switch c.spec.Event {
	case EventJoin:
		return c.joinInjection(life, run), nil
	case EventLeave, EventFail:
		return c.goneInjection(life, run), nil
	case EventUser:
		i := c.rng.IntN(len(c.nodes))
		origin := c.nodes[i]
		subject := fmt.Sprintf("bench-%d", run)
		return injection{
			subject:   subject,
			observers: slices.Delete(slices.Clone(c.nodes), i, i+1),
			inject:    func() error { return origin.UserEvent(subject) },
			restore:   func(context.Context) error { return nil },
		}, nil
	}
	return injection{}, fmt.Errorf("unknown event %q", c.spec.Event)
}

// joinInjection: a new agent joins a random member; afterwards it leaves.
func (c *cluster) joinInjection(life context.Context, run int) injection {
	subject := fmt.Sprintf("join-%d", run)
	var joiner clusterNode
	return injection{
		subject:   subject,
		observers: slices.Clone(c.nodes),
		inject: func() error {
			var err error
			if joiner, err = c.startNode(life, subject); err != nil {
				return err
			}
			return joiner.Join(life, []string{c.nodes[c.rng.IntN(len(c.nodes))].Addr()})
		},
		restore: func(ctx context.Context) error {
			if joiner == nil {
				return nil
			}
			if err := joiner.Leave(ctx); err != nil {
				// The run is measured; the joiner only has to go. With 300
				// agents in one process on 2 cores, memberlist's Leave
				// (which waits until its dead message was sent
				// RetransmitMult x log10(N) times) took 5.6 to over 9.4 s
				// and outlasted the restore timeout. The others then see
				// the joiner fail instead, and the next run's warm-up waits
				// until none holds it alive.
				c.m.Log.Warn("the joined node did not leave gracefully; stopping it", "node", subject, "err", err)
			}
			return c.stop(joiner)
		},
	}
}

// goneInjection: a random member leaves (EventLeave) or crashes
// (EventFail); afterwards a spare takes its place.
func (c *cluster) goneInjection(life context.Context, run int) injection {
	i := c.rng.IntN(len(c.nodes))
	victim := c.nodes[i]
	observers := slices.Delete(slices.Clone(c.nodes), i, i+1)
	leave := c.spec.Event == EventLeave
	return injection{
		subject:   victim.Name(),
		observers: observers,
		inject: func() error {
			if leave {
				return victim.Leave(life)
			}
			return victim.Shutdown()
		},
		restore: func(ctx context.Context) error {
			if err := c.stop(victim); err != nil {
				c.m.Log.Debug("shut down", "node", victim.Name(), "err", err)
			}
			repl, err := c.startNode(life, fmt.Sprintf("spare-%d", run))
			if err != nil {
				return err
			}
			c.nodes[i] = repl
			return repl.Join(ctx, []string{observers[c.rng.IntN(len(observers))].Addr()})
		},
	}
}

// await waits until every observer's journal (after its cursor) records
// ev about subject, or until timeout has passed since t0, and returns the
// journal timestamps (zero: not learned). It does not poll: one goroutine
// per observer sleeps until that journal is appended to, so a waiting
// harness costs the cluster nothing. The latency is the journal's
// timestamp minus t0, both monotonic readings of this process.
func (c *cluster) await(ctx context.Context, observers []clusterNode, cursors []uint64, ev Event, subject string, t0 time.Time, timeout time.Duration) ([]time.Time, error) {
	wctx, cancel := context.WithDeadline(ctx, t0.Add(timeout))
	defer cancel()
	learned := make([]time.Time, len(observers))
	var wg sync.WaitGroup
	for i, o := range observers {
		wake, stop := o.Notify()
		wg.Go(func() {
			defer stop()
			for {
				if at, ok := o.Learned(cursors[i], ev, subject); ok {
					learned[i] = at
					return
				}
				select {
				case <-wake:
				case <-wctx.Done():
					return
				}
			}
		})
	}
	wg.Wait()
	return learned, ctx.Err()
}
