// Package command implements the labagent command line: `labagent agent`
// (the daemon) and the client commands, which are thin RPC clients of a
// running agent. One file per command, each a NewXCommand(streams, env)
// returning a Command with a private flags struct; cmd/labagent only
// wires Main to the process.
//
// Flags use the standard library's flag package, so `-node=web_1`,
// `-node web_1` and `--node web_1` all work; flags come before
// positional arguments. Every client command takes -rpc-addr and
// -rpc-token, defaulting to $LABAGENT_RPC_ADDR and $LABAGENT_RPC_TOKEN,
// and -timeout (default 1m): a client gives up on an agent that accepts
// the connection but does not answer in time (for monitor and journal
// -follow, the bound is on connecting and presenting the token).
//
// Signals: a client command ends on the first SIGINT or SIGTERM, closing
// its connection, and exits with status 128+N (130, 143) after printing
// "interrupted by SIGINT"; a second signal ends it at once. The agent
// leaves gracefully on SIGINT (and on SIGTERM unless leave_on_terminate
// is false) and exits 0; a signal while it still starts (joining at
// start waits on silent addresses) stops it like a client.
//
// Output formats meant for programs:
//
//	members -format json   {"members":[{"name":..,"addr":"ip:port","port":..,"tags":{..},
//	                        "status":"alive|leaving|left|failed","since":RFC3339,
//	                        "protocol":{"min":..,"max":..,"version":..},"delegate":{..}}]}
//	journal -format json   one JSON object per line (JSON Lines):
//	                       {"seq":..,"time":RFC3339Nano,"unix_nano":..,"mono_ns":..,
//	                        "type":"member-join|member-leave|member-failed|member-update|
//	                        member-suspect|member-reap|user","node":..,"addr":"ip:port",
//	                        "name":..,"ltime":..}
//	version                "labagent v0.1.0", "protocol 1", then the build:
//	                       "commit REV [(modified)]", "date RFC3339", "go GOVERSION OS/ARCH"
//	                       (a line whose value is unknown is left out); -format json gives
//	                       {"version":"0.1.0","commit":..,"date":..,"modified":bool,"go":..,
//	                        "platform":"linux/amd64","protocol":1}
package command
