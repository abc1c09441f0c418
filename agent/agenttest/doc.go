// Package agenttest runs in-process clusters of labagent agents over real
// memberlist on loopback addresses (127.0.S.1, 127.0.S.2, ... with
// kernel-chosen ports), with shortened timers, and offers wait-until
// helpers so tests assert on states reached, never on sleeps.
//
// A cluster's subnet S defaults to a value derived from the test name, so
// tests running in parallel use distinct addresses (partitions match
// members by IP, so the members of one cluster need distinct IPs).
package agenttest
