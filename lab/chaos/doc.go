// Package chaos injects faults into a lab and measures when every
// surviving node noticed them.
//
// It owns the fault mechanisms, as data rendered to text (nftables scripts
// in a table of their own, `labagent fault` flags for the agent's
// transport hook, the agent's service scripts), the choice of targets, the
// measurement of detection latencies from the agents' journals (with clock
// offsets for VMs) or, on a Serf lab, from Serf's log streams, the results
// records under results/chaos/, and scenario files. It reaches nodes only
// through the Machines interface (which lab.Provider satisfies: halt,
// reload, up, status) and a Shell that runs commands on a node as root
// (SSH); it never imports a provider.
//
// # Using it
//
//	lab chaos halt web_3                 # graceful halt; others see it leave
//	lab chaos halt --force web_3         # power off; others see it fail
//	lab chaos reload web_3               # alive again everywhere
//	lab chaos kill-agent web_2           # SIGKILL: failed
//	lab chaos stop-agent web_4           # graceful: left
//	lab chaos start-agent web_2,web_4
//	lab chaos event web_5                # a user event: when did every other agent get it
//	lab chaos partition 'web_[1-5]' 'web_[6-10]'
//	lab chaos isolate web_7 --keep       # stays cut off after the command
//	lab chaos loss 30 --tag role=web     # 30% of what they send is lost
//	lab chaos delay 50ms --all           # the agent's hook: nft cannot delay
//	lab chaos heal                       # remove every network fault
//	lab chaos kill-agent --random 3 --seed 42
//	lab chaos run scenario.chaos --seed 7
//
// Each step prints one row per observer (the running nodes that should
// notice) with the outcome its journal recorded and the latency from the
// injection, then first, p50, p95, p99 and last, the nodes that never saw
// it within --timeout, and writes results/chaos/<UTC time>-<action>/
// (see Records). --json prints the summary instead.
//
// # Network faults and heal
//
// Partition, isolate and loss are nftables rules inside each node, all in
// `table inet gossiplab_chaos`, every set, chain and rule commented
// "gossiplab-chaos ...". A partition drops traffic to and from the other
// side's lab IPs on both sides; loss drops a share of what a node sends to
// the other lab IPs (`numgen random`, one draw per packet). --scope gossip
// limits both to the gossip ports, --scope udp to UDP on them
// (memberlist's packets; its TCP push/pull and fallback probes pass, as
// under the agent's loss hook and the simulator's loss). Heal deletes that
// table and clears the agent's fault hook: it removes exactly what chaos
// added and nothing else. Where nft is missing, the agent's hook
// (`labagent fault -partition/-loss`) stands in; delay always uses the
// hook, since nftables cannot hold packets and the hosts have no netem.
// Network faults are healed when the command ends, also after Ctrl-C,
// unless --keep.
//
// # Measurement
//
// The injection instant is read on the controller. For every observer the
// latency is the time from injection until its journal holds the expected
// outcome for every subject: member-failed or member-leave after halt,
// kill-agent, stop-agent, partition and isolate; member-join after up,
// reload, start-agent, restart-agent and heal (for heal, the members the
// observer had as failed or left; after reload also member-update, the new
// incarnation of a node back before the observer noticed it gone); the
// user event from the target after event (`labagent event lab-chaos`,
// matched by sender). member-suspect entries, where the agent records
// them, are reported beside. Journal times are moved onto the controller's
// clock with each node's offset: zero when the provider shares the host
// clock (netns), else estimated over SSH from the midpoint of the shortest
// of a few `date +%s%N` round trips, whose half is reported as the
// uncertainty. The default wait (no --timeout) comes from the simulator's
// forecast of the step (Predictor, DefaultWait): the running nodes, the
// agents' profile and the fault's size (k nodes down at once, a partition's
// sides, a heal's) give the predicted slowest observer; the step waits 1.5
// times that plus 10 s, longer while observers keep noticing (until none
// noticed anything new for the profile's bound, Timing.DefaultTimeout), at
// most 10 times that or an hour. The summary holds the forecast beside
// the measurement (Summary.Wait).
//
// # A real Serf cluster
//
// On a lab provisioned with HashiCorp Serf (`lab provision --agent serf
// --agent-binary PATH`, recorded in the lab state; `lab chaos --agent`
// overrides it) the agent actions run Serf's own commands on its service
// `serf` (AgentCLI, AgentFor): kill-agent SIGKILLs the serf process,
// stop-agent runs `serf leave` then stops the service, event runs `serf
// event -coalesce=false lab-chaos 'SENDER NONCE'`. Serf's user events
// carry no sender, so observers match the event by that payload, unique
// to the step. Serf has no fault hook: delay and --mechanism agent are
// refused, naming nftables (partition, isolate, loss) as the way.
//
// Serf keeps no journal, and its event handlers and event stream coalesce
// member events for seconds, so neither can time them. Before the
// injection chaos starts `serf monitor -log-level=info` on every observer
// over SSH (MonitorParser reads what it prints): Serf and memberlist log
// each change the moment it happens ("serf: EventMemberFailed: NAME ADDR",
// "memberlist: Suspect NAME has failed, no acks received", ...), and user
// events appear, with their payload, in the monitor's "Event Info:"
// blocks. A new monitor first gets the agent's backlog of recent lines:
// those logged before the monitor started are skipped by their own
// timestamp, and the monitor counts as live once the backlog is through
// (the first line arrived and the stream then went quiet for 300 ms),
// before the injection; an observer whose monitor does not get there
// within 10 s is unreachable. Each line is stamped with the controller's
// monotonic clock when it arrives, so no clock offset is needed, on VMs
// either; the SSH transit is in every latency (a line takes 0.6 ms p50,
// 2.2 ms at most, to cross an established session on a netns lab of this
// host). The monitors end with the step, also on Ctrl-C: closing their
// session's input ends the remote loop, and a monitor left behind is
// killed by its pid.
//
// # Records
//
// A step's record directory holds:
//
//   - latencies.csv: one row per observer (node, outcome, latency_s,
//     suspect_s, noticed, expected, clock_uncertainty_s).
//   - summary.json: the Summary: lab, spec, action, targets, injection
//     time, the figures, and per observer its Observation, whose
//     "transitions" list what it recorded about its subjects (see
//     Transition): {"subject", "type", "at_s"}, at_s in seconds since the
//     injection on the controller's clock, negative for the state the
//     observer had at the injection.
//   - timeline.png, timeline.svg: one row per observer, the first to
//     notice on top, its subjects' states over time (alive, suspect,
//     failed, left, not seen yet, event received; with many subjects, as
//     partitions have, the share of them in each state), with the
//     injection, p50, p95 and the last latency marked.
//   - cdf.png, cdf.svg: the fraction of observers that had noticed, and
//     first suspected, the fault against time.
//   - report.html: the summary and per-observer tables and both figures
//     in one page that needs nothing else (no script, nothing fetched).
//
// A step without observers has no figures.
//
// # Scenarios
//
// A scenario file holds one step per line, written as the arguments of
// `lab chaos` with the same flags, # for comments, plus `wait converged`
// and `wait DURATION`; see Scenario. Each step is measured and recorded
// under one results/chaos/<UTC time>-run/ directory (NN-action/, a
// step's record each) with scenario.txt, a combined summary.json, a
// timeline.png/.svg of the whole scenario (every observer's view of the
// nodes the steps targeted, each step's injection marked with its
// number) and report.html. --seed draws the same --random targets again.
package chaos
