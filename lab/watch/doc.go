// Package watch is `lab watch`: the live membership matrix of a lab. The
// classic experiment watched convergence with `watch -n 1 serf members`
// on one node, one row of a matrix with a row per node; this shows every
// row at once, updated as the agents' journals record changes.
//
// # What it shows
//
// Rows are observers (nodes whose agent is asked), columns are members;
// a cell is the member's state as that observer sees it, drawn with a
// colour and a character of its own, so that it reads without colour:
//
//	●  alive      ◐  suspect (the observer's probe failed; not declared failed yet)
//	✗  failed     ◌  leaving      ○  left
//	·  unknown (the observer does not list the member)
//	?  no answer (the observer's agent cannot be asked; the whole row)
//
// (ASCIIGlyphs: A S F g L . ?). Beside each row, conv is the share of
// members the observer sees in the state most observers see; the title
// has the cluster-wide agreement (the share of all answering cells that
// agree with their column's majority), the footer the members by their
// majority state, the cells by state, the bytes the nodes send, the last
// fault lab chaos injected and how long ago, and the latest events from
// the journals. Columns are numbered by the number that ends a member's
// name. Up to 52 members fit a 120-column terminal one to a cell; more
// fold several members to a cell, drawn as the worst state among them
// and how many are in it (✗3: three of them failed); z zooms to one
// member a cell and ←/→ scroll. Keys: q or ctrl+c quit, p pause (the
// feed goes on), ↑ ↓ pgup pgdn home end scroll the rows, / filters the
// nodes shown (web_3, web_[1-5], web_*, a comma list, else part of a
// name; empty clears), ? help. The terminal is restored on exit.
//
// # Plain modes
//
// Once asks every observer once and prints the matrix as text (width 0:
// every member a column); it returns a *NoAnswerError when some observer
// gave no answer. JSON streams JSON lines: one snapshot once every
// observer answered or failed to,
//
//	{"type":"snapshot","time":"…","agent":"labagent","observers":["web_1",…],"members":[…],
//	 "rows":[{"observer":"web_1","answer":true,"convergence":1,"states":{"web_1":"alive",…}},
//	         {"observer":"web_4","answer":false,"error":"…"}],"agreement":0.98}
//
// then one line per change of a cell or of an observer's answer:
//
//	{"type":"cell","time":"…","observer":"web_2","member":"web_7","state":"failed","was":"suspect",
//	 "cause":"member-failed","recorded":"…"}
//	{"type":"row","time":"…","observer":"web_7","answer":false,"error":"…"}
//
// cause is the journal entry's type, or "resync" when a member list made
// the change; recorded is when the observer's journal recorded it.
//
// # The last fault
//
// lab chaos writes the fault it injected last with WriteFault, and the
// footer reads it (Config.FaultFile) whenever it changes:
//
//	{"action":"kill-agent","targets":["web_7"],"injected":"2026-12-03T12:40:01.18Z"}
//
// # Where the data comes from
//
// A Feed keeps one long-running follow per observer, over the lab's
// Runner (SSH): never N member lists every interval. For labagent it
// takes `labagent info` and `labagent members -format json` (the
// journal's last sequence number, then the list), then follows
// `labagent journal -follow -format json -since SEQ`; for Serf, which
// keeps no journal, it starts `serf monitor -log-level=info` first (read
// with lab chaos's MonitorParser, skipping the backlog Serf replays) and
// takes `serf members -format json` once it runs. Entries that arrive
// while a list is being taken are applied again over it. Follows run in
// a small script that ends them on the node when the session's standard
// input closes. Member lists do not show suspicion and memberlist tells
// no one when a suspected member refutes it, so a suspect cell stays
// suspect for Config.SuspectHold, then the observer is asked for that
// member alone (`members -name`); a whole row is audited after about 60
// intervals, then at doubling spans up to about 300, each spread at
// random so that rows do not come all at once. A follow that ends is
// started again (after 0.25 s, doubling to 10 s); an observer that
// cannot be asked is drawn as no answer.
//
// # Wiring it
//
//	f, err := watch.NewFeed(watch.Config{
//		Runner:    runner,              // Run and Stream on the lab's nodes (SSH), see Runner
//		Agent:     watch.Labagent(cli.Cmd), // or watch.Serf: cli is chaos.AgentFor(flavour)
//		Observers: rows, Nodes: labNodes,
//		Interval:  time.Second, FaultFile: faultPath,
//	})
//	p := watch.NewPalette(lipgloss.NewRenderer(os.Stdout), watch.UnicodeGlyphs(), !noColor)
//	err = watch.RunTUI(ctx, f, os.Stdin, os.Stdout, watch.Options{Palette: p})
//	err = watch.Once(ctx, f, os.Stdout, width, watch.Options{Palette: p}) // --once
//	err = watch.JSON(ctx, f, os.Stdout)                                     // --json
//
// # Figures
//
// On the development machine (2 shared cores, 24 GB, Debian 12, Go
// 1.26.8; other engineers' jobs kept the load average between 11 and
// 27), on 2026-12-03, over seven runs:
//
//   - 52 labagent agents (in one process, LAN profile) on 127.0.x.y, the
//     TUI in a 120x62 tmux pane at the default interval, client commands
//     run locally in place of SSH, one agent killed after 20 s
//     (`go test -run '^$' -bench Watch52 -benchtime 1x ./lab/watch/`, two
//     20 s windows): the watcher used 0.8 to 1.8% of one core idle and
//     1.4 to 2.2% in the 20 s after the kill (its client processes at
//     most 0.25%); the first full matrix was drawn 1.1 to 5.0 s after the
//     start (156 client processes started on this machine; in a lab they
//     run on the nodes, here they share its two cores with the agents); a
//     change was in the matrix 0.6 to 1.0 ms (median), at most 3.9 to
//     33 ms, after the observer's journal recorded it, and is drawn at
//     most 50 ms later.
//   - Bandwidth, from the same runs: idle, nothing (0 B/s over the first
//     48 s); the kill's journal lines 0.5 KB/s and the suspicions' checks
//     0.1 KB/s over its 20 s window. A member list of 52 is 19 KB of
//     labagent's JSON (`go test -run '^$' -bench Once52 -benchtime 1x
//     ./lab/watch/`: 981,504 bytes for the 52 rows, in 1.9 s), so the
//     start costs 1 MB and each audit round 1 MB, spread over its span:
//     rounds at about 1, 3, 7 and 12 minutes, then every 5, about
//     3.3 KB/s in the long run.
//   - Drawing (`go test -run '^$' -bench 'Frame|Once250|Update|Apply|Stats'
//     -benchmem ./lab/watch/`): a 120x50 frame of a 250x250 matrix
//     (copy, figures, folded cells) 0.56 to 1.7 ms, of which the figures
//     take 0.43 ms; one entry applied and the frame drawn again 0.50 to
//     0.60 ms; applying an entry 0.8 to 0.9 µs; the whole 250x250 matrix
//     as --once prints it 3 to 11 ms.
//   - `go test ./lab/watch/` takes about 15 s, 30 s when it first builds
//     Serf from the module proxy.
package watch
