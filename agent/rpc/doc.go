// Package rpc is the wire protocol between the labagent client commands
// and a running agent, and the client side of it. It imports nothing of
// the agent, so the client commands build for every OS.
//
// # Protocol
//
// A TCP connection (default 127.0.0.1:7373) carries newline-delimited
// JSON: each request is one line
//
//	{"seq":1,"token":"secret","command":"members","args":{...}}
//
// and each response one line
//
//	{"seq":1,"result":{...}}                 success
//	{"seq":1,"error":"...","hint":"..."}     failure (hint optional)
//	{"seq":1,"result":{...},"more":true}     one item of a stream
//
// Requests on a connection are answered in order. Streaming commands
// (monitor, journal with follow) answer with items marked "more" until
// the client closes the connection. A line longer than MaxLineBytes,
// invalid JSON, unknown fields, an unknown command or bad arguments get
// an error response; the server never panics on input. When the agent
// has a token, every request must carry it.
//
// Commands and their args/result types: members (-, MembersResult), join
// (JoinArgs, JoinResult), leave (-, -), force-leave (ForceLeaveArgs, -),
// event (EventArgs, -), tags (TagsArgs, TagsResult), monitor
// (MonitorArgs, stream of MonitorItem), journal (JournalArgs, JournalResult
// or a stream of them), keys (KeysArgs, KeysResult), fault (FaultArgs,
// Fault), info (-, Info).
package rpc
