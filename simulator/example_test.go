package simulator_test

import (
	"context"
	"fmt"

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
