package bench

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// clusterNode is what the memberlist backend needs of one in-process agent.
type clusterNode interface {
	Name() string
	Addr() string // host:port others join
	Join(ctx context.Context, addrs []string) error
	Leave(ctx context.Context) error // graceful: the others see "left"
	Shutdown() error                 // without Leave: the others see "failed"
	UserEvent(name string) error
	// AliveCount is how many members, itself included, it believes alive.
	AliveCount() int
	// Cursor marks the journal's current end; Learned looks after it for
	// the entry recording ev about subject (for a user event, subject is
	// the event's name) and returns its timestamp (monotonic reading kept).
	Cursor() uint64
	Learned(cursor uint64, ev Event, subject string) (time.Time, bool)
	// Notify returns a channel that receives a (coalesced) wake-up after
	// each journal append, and a func to stop it.
	Notify() (<-chan struct{}, func())
}

// nodeStarter creates and starts an agent bound to ip (kernel-chosen port)
// with the profile's timers and loss, logging to log.
type nodeStarter func(ctx context.Context, name string, ip netip.Addr, p Profile, log *slog.Logger) (clusterNode, error)

// Memberlist is the "memberlist" backend: N real agents in this process,
// bound to 127.0.<Subnet>.x, started at random offsets over at least
// StartSpread so their gossip ticks are not in lock-step (nodes created in
// a tight loop gossip in phase and distort every percentile).
type Memberlist struct {
	Log   *slog.Logger
	start nodeStarter
	// Subnet is the third octet of the agents' loopback addresses.
	Subnet byte
	// StartSpread is the window over which the agents start (>= 1 s).
	StartSpread time.Duration
	// Poll is how often the warm-up checks whether the cluster converged.
	Poll time.Duration
}

var (
	_ Backend     = (*Memberlist)(nil)
	_ EventFilter = (*Memberlist)(nil)
)

// MaxMemberlistNodes bounds in-process clusters: beyond it the machine,
// not the protocol, sets the pace.
const MaxMemberlistNodes = 500

// Name implements Backend.
func (*Memberlist) Name() string { return BackendMemberlist }

// Supports implements EventFilter: every event.
func (*Memberlist) Supports(Event) bool { return true }

// Run implements Backend: one cluster of spec.N agents serves every run;
// after a run the cluster is brought back to N alive members (the joiner
// leaves, the node that left or crashed is replaced) and the next run
// waits until every agent sees exactly N alive members again.
func (m *Memberlist) Run(ctx context.Context, spec Spec, done func(int, []Sample)) error {
	if spec.N > MaxMemberlistNodes {
		return hint.Errorf("use --backend sim for larger clusters", "memberlist backend: %d nodes is more than %d in one process", spec.N, MaxMemberlistNodes)
	}
	// Every agent of this call lives at most as long as ctx: cancelling it
	// shuts down whatever a failed run left behind.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := m.newCluster(spec)
	defer c.shutdown()
	if err := c.boot(ctx); err != nil {
		return err
	}
	for run := range spec.Runs {
		if err := c.converged(ctx); err != nil {
			return fmt.Errorf("run %d: %w", run, err)
		}
		s, err := c.run(ctx, run)
		if s != nil {
			done(run, s)
		}
		if err != nil {
			return fmt.Errorf("run %d: %w", run, err)
		}
	}
	return nil
}

// newCluster returns an empty cluster.
func (m *Memberlist) newCluster(spec Spec) *cluster {
	rng := rand.New(rand.NewPCG(spec.Seed, uint64(spec.N)<<8|uint64(slices.Index(Events, spec.Event))))
	return &cluster{m: m, spec: spec, rng: rng}
}

// cluster is one in-process cluster serving the runs of one spec. Its
// agents live as long as the context they were started with (Run's,
// which Run cancels when it returns) or until shut down: boot and run
// take that context as life, and restoring the cluster after a run
// starts agents on it, not on the run's shorter timeouts.
type cluster struct {
	m *Memberlist
	// closing silences the agents' logs when the cluster shuts down, so
	// that agents complaining about agents already gone do not drown the
	// output (see quietNode for single agents).
	closing atomic.Bool
	spec    Spec
	rng     *rand.Rand
	nodes   []clusterNode // the N members
	next    int           // address index of the next node
}

func (c *cluster) addr() netip.Addr {
	i := c.next
	c.next++
	// 127.0.S.1 .. 127.0.S.254, then the same addresses again (ports differ).
	return netip.AddrFrom4([4]byte{127, 0, c.m.Subnet, byte(1 + i%254)})
}

// startNode starts an agent that lives until shut down or until life
// ends.
func (c *cluster) startNode(life context.Context, name string) (clusterNode, error) {
	quiet := new(atomic.Bool)
	log := slog.New(&gateHandler{h: c.m.Log.Handler(), closed: []*atomic.Bool{&c.closing, quiet}}).With("agent", name)
	n, err := c.m.start(life, name, c.addr(), c.spec.Profile, log)
	if err != nil {
		return nil, fmt.Errorf("start agent %s: %w", name, err)
	}
	return quietNode{n, quiet}, nil
}

// boot starts the N agents at sorted random offsets over the spread, each
// joining a random earlier one; they live as long as ctx.
func (c *cluster) boot(ctx context.Context) error {
	spread := max(c.m.StartSpread, time.Second)
	offsets := make([]time.Duration, c.spec.N)
	for i := 1; i < len(offsets); i++ {
		offsets[i] = time.Duration(c.rng.Int64N(int64(spread)))
	}
	slices.Sort(offsets)
	t0 := time.Now()
	for i, off := range offsets {
		if err := sleep(ctx, time.Until(t0.Add(off))); err != nil {
			return err
		}
		n, err := c.startNode(ctx, fmt.Sprintf("node-%d", i))
		if err != nil {
			return err
		}
		c.nodes = append(c.nodes, n)
		if i > 0 {
			seed := c.nodes[c.rng.IntN(i)]
			if err := n.Join(ctx, []string{seed.Addr()}); err != nil {
				return fmt.Errorf("agent %s joins %s: %w", n.Name(), seed.Name(), err)
			}
		}
	}
	c.m.Log.Debug("cluster started", "n", c.spec.N, "took", time.Since(t0))
	return nil
}

// converged waits until every member sees exactly N alive members, then a
// random fraction of a gossip interval so that injections do not fall at
// a fixed phase. A member still missing some after a few seconds is
// helped with a push/pull join to a random member: during a fast boot an
// alive message can exhaust its retransmit limit before reaching nodes
// that join later, and memberlist's own push/pull would take a minute.
func (c *cluster) converged(ctx context.Context) error {
	limit := max(30*time.Second, 2*c.spec.RunTimeout())
	start := time.Now()
	nudged := start
	for {
		var behind []clusterNode
		for _, n := range c.nodes {
			if n.AliveCount() != c.spec.N {
				behind = append(behind, n)
			}
		}
		if len(behind) == 0 {
			break
		}
		if time.Since(start) > limit {
			return hint.Errorf("the machine may be overloaded; try fewer nodes",
				"cluster of %d did not converge within %v before the injection (%d members still see a different number of alive members)", c.spec.N, limit, len(behind))
		}
		if time.Since(nudged) > 3*time.Second {
			nudged = time.Now()
			for _, n := range behind {
				peer := c.nodes[c.rng.IntN(len(c.nodes))]
				if err := n.Join(ctx, []string{peer.Addr()}); err != nil {
					c.m.Log.Debug("push/pull during warm-up", "node", n.Name(), "err", err)
				}
			}
		}
		if err := sleep(ctx, c.poll()); err != nil {
			return err
		}
	}
	c.m.Log.Debug("converged", "n", c.spec.N, "took", time.Since(start))
	jitter := time.Duration(c.rng.Int64N(int64(c.spec.Profile.Config.GossipInterval)))
	return sleep(ctx, jitter)
}

func (c *cluster) poll() time.Duration {
	if c.m.Poll > 0 {
		return c.m.Poll
	}
	return 50 * time.Millisecond
}

// shutdown stops every agent, in parallel.
func (c *cluster) shutdown() {
	c.closing.Store(true)
	var wg sync.WaitGroup
	for _, n := range c.nodes {
		wg.Go(func() { _ = c.stop(n) })
	}
	wg.Wait()
}

// stop shuts n down but gives up waiting after shutdownWait: an agent
// stuck in its shutdown must not hang the experiment (its goroutines are
// left behind, and the process exits at the end anyway).
func (c *cluster) stop(n clusterNode) error {
	done := make(chan error, 1)
	go func() { done <- n.Shutdown() }()
	select {
	case err := <-done:
		return err
	case <-time.After(shutdownWait):
		c.m.Log.Warn("agent did not shut down in time; continuing without it", "agent", n.Name(), "waited", shutdownWait)
		return nil
	}
}

const shutdownWait = 15 * time.Second

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
