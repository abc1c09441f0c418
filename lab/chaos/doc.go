// Package chaos injects faults into a lab and measures when every
// surviving node noticed them.
//
// It owns the fault mechanisms, as data rendered to text (nftables
// scripts in a table of their own, `labagent fault` flags for the agent's
// transport hook), the choice of targets, the measurement of detection
// latencies from the agents' journals (with clock offsets for VMs), the
// results records under results/chaos/, and scenario files.
//
// Chaos reaches nodes only through the lab.Provider interface (halt,
// reload, up) and a Shell that runs commands on a node (SSH); it never
// imports a provider.
//
// # Network faults and heal
//
// Partition, isolate and loss are nftables rules inside each node, all in
// `table inet gossiplab_chaos`, every set, chain and rule commented
// "gossiplab-chaos ...". Heal deletes that table and clears the agent's
// fault hook: it removes exactly what chaos added and nothing else. Where
// nft is missing, the agent's hook (`labagent fault -partition/-loss`)
// stands in; delay always uses the hook, since nftables cannot hold
// packets.
//
// # Measurement
//
// The injection instant is read on the controller. For every observer
// (a node still running that is expected to notice) the latency is the
// time from injection until its journal holds the expected outcome for
// every subject: member-failed or member-leave after halt, kill-agent and
// stop-agent, member-join after up, reload, start-agent and heal. Nodes
// that did not within the timeout are listed as never. Journal times are
// moved onto the controller's clock with each node's offset (zero when
// the provider shares the host clock), whose uncertainty is reported.
package chaos
