// Package simulator is a discrete-event simulator of hashicorp/memberlist's
// gossip (v0.7.0): faithful enough to predict the convergence of real
// clusters, lean enough to simulate 100,000 nodes.
//
// It owns the engine (virtual time, a heap of timed events, seeded
// randomness, no goroutines and no wall clock), memberlist's protocol knobs
// and presets (Config, LAN, WAN, Local), the network model (Network,
// Latency), the scenarios (Scenario: join, leave, fail, user event, mass
// failure, partition and heal), and two reference models beside it: Serf's
// closed-form formula (SerfFormula) and a lower bound for asynchronous push
// gossip (LowerBound).
//
// Use:
//
//	cfg := simulator.LAN()
//	res, err := simulator.Run(cfg, simulator.LANNetwork(), simulator.Scenario{N: 100, Event: simulator.Join}, 1)
//	t95, ok := res.Changes[0].Quantile(0.95)
//
// MonteCarlo runs many seeded runs, in parallel outside the engine.
package simulator
