// Package agent is the core of labagent: a Serf-style gossip agent on
// hashicorp/memberlist that records, in a journal, the moment it learned
// each membership change and user event.
//
// # Using it in-process
//
//	cfg := agent.DefaultConfig()          // LAN profile, port 7946, RPC on 127.0.0.1:7373
//	cfg.NodeName, cfg.BindAddr, cfg.BindPort = "web_1", "127.0.0.10", 0
//	cfg.RPCAddr = ""                      // no RPC server in-process
//	a, err := agent.Create(cfg, logger)   // validates; no network I/O
//	err = a.Start(ctx)                    // binds and gossips until Shutdown or ctx ends
//	n, err := a.Join(ctx, []string{"127.0.0.11:7946"})
//	a.Members()                           // alive, leaving, left, failed
//	a.UserEvent("deploy", payload, false) // cluster-wide, Lamport-timed
//	a.Journal().Since(seq)                // what it learned, when
//	a.Leave(ctx); a.Shutdown()            // others see left
//	a.Shutdown()                          // alone: others see failed (a crash)
//
// Package agenttest runs such clusters on 127.0.x.y with short timers.
//
// # Membership
//
// A member is alive, leaving (it announced its leave), left (it left
// gracefully, or was force-left while failed) or failed (memberlist's
// failure detector declared it dead). Failed members are kept for
// Config.ReconnectTimeout, during which the agent now and then tries to
// rejoin one of them (so healed partitions merge), then reaped; left
// members are kept for Config.TombstoneTimeout.
//
// # The journal
//
// Every membership change and user event is appended to a bounded ring
// (Config.JournalSize) the moment memberlist delivers it, with no
// coalescing: Entry.Time (wall clock, with the monotonic reading while
// in-process), Entry.UnixNano, Entry.MonoNs (since the agent was
// created), a sequence number, the type and the subject node. Append
// takes a short lock, never waits for readers and does not allocate.
// member-suspect entries appear only on the agent whose own probe of the
// member failed (memberlist does not report suspicion to delegates).
//
// # Faults
//
// FaultTransport decorates memberlist's transport: packet loss on send,
// partitions from named members (matched by IP) and delay. Agent.SetFault
// changes it at run time; `labagent fault` does it over RPC.
package agent
