package simulator_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gossiplab/gossiplab/simulator"
)

// A join into a 100-node LAN cluster, 20 seeded runs, against Serf's
// formula.
func Example() {
	cfg := simulator.LAN()
	sc := simulator.Scenario{N: 100, Event: simulator.Join}
	runs, err := simulator.MonteCarlo(context.Background(), cfg, simulator.LANNetwork(), sc, 20, 1, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	all := simulator.Pooled(runs)
	t50, _ := all.Quantile(0.5)
	serf := simulator.SerfFormula(100, cfg.GossipNodes, cfg.GossipInterval, 0, 0)
	fmt.Printf("coverage %.0f%%, t50 %.1fs (serf-formula %.1fs)\n", 100*all.Coverage(), t50.Seconds(), serf.TimeTo(0.5).Seconds())
	// Output: coverage 100%, t50 0.3s (serf-formula 0.6s)
}

// A 100-node LAN cluster split in two halves for a minute, then healed:
// when every member had declared the other side failed, and when every
// member saw the whole cluster alive again (Serf's reconnect).
func Example_partition() {
	sc := simulator.Scenario{N: 100, Event: simulator.Partition, HealAfter: time.Minute}
	r, err := simulator.Run(simulator.LAN(), simulator.LANNetwork(), sc, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range r.Changes {
		t100, _ := c.Quantile(1) // latencies count from the split
		if c.What == "healed" {
			t100 -= sc.HealAfter
		}
		fmt.Printf("%s: all %d members %v after the %s\n", c.What, len(c.Observers), t100.Round(time.Second), map[string]string{"partitioned": "split", "healed": "heal"}[c.What])
	}
	// Output:
	// partitioned: all 100 members 27s after the split
	// healed: all 100 members 4s after the heal
}

// 10% of a 1,000-node LAN cluster crash at once: when the survivors had
// declared every one of them failed.
func Example_massFail() {
	sc := simulator.Scenario{N: 1000, Event: simulator.MassFail, FailFraction: 0.1}
	r, err := simulator.Run(simulator.LAN(), simulator.LANNetwork(), sc, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	all := r.Converged() // per survivor: when it knew of every crash
	t50, _ := all.Quantile(0.5)
	t100, _ := all.Quantile(1)
	fmt.Printf("%d crashed; half the survivors knew of all by %v, every survivor by %v\n", len(r.Changes), t50.Round(time.Second), t100.Round(time.Second))
	// Output:
	// 100 crashed; half the survivors knew of all by 19s, every survivor by 19s
}
