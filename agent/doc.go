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
// Leave first sends a leave intent to every member and waits (at most
// 5 s) until each has acknowledged it, then leaves memberlist. A member
// that holds the intent records the leaver left when memberlist reports
// it gone; one that does not records failed, as memberlist v0.7.0 does
// not tell its delegates a graceful leave from a failure. Waiting for the
// acknowledgements keeps an observer whose message handler lags (it takes
// queued messages newest first) from taking the dead message first.
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
// # Configuration files
//
// `labagent agent` builds its Config in layers: DefaultConfig, then each
// -config-file, then the *.json files of each -config-dir in lexical
// order, then the flags given. Unknown keys are errors. A later layer
// overrides scalar keys; join, retry_join and event_handlers append;
// tags merge key by key. Durations are strings such as "30s". Each file
// the agent reads (config files, keyring, snapshot) must be a regular
// file within a size limit (MaxConfigFileSize, MaxKeyringFileSize,
// MaxSnapshotSize); a named pipe or a device is refused at once. The keys
// (see FileConfig) and their flags:
//
//	node_name              -node                node name (default: host name)
//	bind                   -bind                "IP[:PORT]" to listen on (default 0.0.0.0:7946)
//	advertise              -advertise           "IP[:PORT]" others reach this agent at
//	interface              -iface               bind and advertise this interface's IPv4 (eth1)
//	join                   -join                ["IP[:PORT]", ...] joined at start; failure is fatal
//	retry_join             -retry-join          ["IP[:PORT]", ...] joined in the background until one answers
//	retry_interval         -retry-interval      "30s"
//	retry_max_attempts     -retry-max           0 = forever; when exhausted the agent exits with an error
//	discover               -discover            cluster name for mDNS discovery
//	tags                   -tag k=v             {"role": "web"}
//	encrypt_key            -encrypt             base64 key of 16, 24 or 32 bytes (labagent keygen)
//	keyring_file           -keyring-file        JSON list of base64 keys, primary first; written back
//	event_handlers         -event-handler       ["member-join,user:deploy=/path/script", ...]
//	handler_timeout        (none)               "30s"
//	rpc_addr               -rpc-addr            "127.0.0.1:7373"; "" disables RPC
//	rpc_auth               -rpc-token           token every RPC client must send
//	snapshot_path          -snapshot            file recording members, rejoined after a restart
//	rejoin_after_leave     -rejoin              rejoin from the snapshot even after a graceful leave
//	profile                -profile             "lan" (default), "wan" or "local"
//	leave_on_terminate     -leave-on-terminate  true: SIGTERM leaves gracefully
//	reconnect_timeout      -reconnect-timeout   "24h": how long failed members are kept
//	tombstone_timeout      (none)               "24h": how long left members are kept
//	log_level              -log-level           "debug", "info", "warn" or "error"
//	journal_size           -journal-size        4096 entries, at most 1048576
//	user_event_size_limit  (none)               512 bytes (name + payload), at most 1024
//
// An example, as provisioning writes it:
//
//	{
//	  "node_name": "web_1",
//	  "bind": "192.168.56.11",
//	  "advertise": "192.168.56.11",
//	  "retry_join": ["192.168.56.11", "192.168.56.12", "192.168.56.13"],
//	  "encrypt_key": "cg8StVXbQJ0gPvMd9o7yrg==",
//	  "tags": {"role": "web"},
//	  "profile": "lan",
//	  "snapshot_path": "/var/lib/labagent/snapshot.json",
//	  "event_handlers": ["member-failed=/usr/local/bin/on-failed.sh"]
//	}
//
// SIGINT leaves gracefully; SIGTERM too unless leave_on_terminate is
// false (then it shuts down and others see failed, as after SIGKILL). A
// second signal during the leave shuts down at once. The agent command
// runs with GOMAXPROCS=1 unless GOMAXPROCS is set.
//
// # Address guard
//
// With -iface the agent binds and advertises that interface's IPv4
// address. It reports (log error and `labagent info` problems) an
// advertised 10.0.2.15 (VirtualBox NAT: every VM has it), another member
// advertising this agent's address, a ping meant for another node
// reaching this one ("Got ping for unexpected node"), two agents with
// one name, and gossip it cannot decrypt (different keys); each message
// names the cause and the fix.
//
// # Security
//
// Gossip is encrypted with memberlist's keyring when a key is given.
// KeysCluster (`labagent keys -install/-use/-remove`) changes the keyring
// of every alive member over memberlist's encrypted reliable channel and
// reports who answered; Keys (`-local`) changes one agent's. The RPC
// server listens on loopback by default and, with a token, refuses a
// connection whose first request does not carry it, answering nothing
// else. It holds at most RPCLimits.MaxConns connections (64), reads at
// most 4 KiB before the token and 1 MiB per request after it, and
// closes connections that stay silent (5 s before the token, 60 s
// after; streams excepted); see package rpc.
//
// # Faults
//
// FaultTransport decorates memberlist's transport: packet loss on send,
// partitions from named members (matched by IP) and delay. Agent.SetFault
// changes it at run time; `labagent fault` does it over RPC.
//
// # The wire and errors
//
// What the RPC answers is declared once, in package rpc: a Member embeds
// rpc.Member (and keeps its address parsed), Info returns rpc.Info, Fault
// is rpc.Fault, and Entry.Wire turns the journal's typed record into
// rpc.Entry. Errors carry what the user can do as hints beside the
// message (package internal/hint); they cross the RPC in its hint field
// and labagent prints them on "hint: " lines.
package agent
