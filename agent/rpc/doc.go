// Package rpc is the wire protocol between the labagent client commands
// and a running agent, and the client side of it. It imports nothing of
// the agent, so the client commands build for every OS. Its types
// (Member, Entry, Info, Fault) are the one declaration of what crosses
// the wire: the agent answers with them, and provisioning and lab chaos
// parse the agent's JSON output into them.
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
//	{"seq":1,"error":"...","hint":"..."}     failure (hint optional; several are one a line)
//	{"seq":1,"result":{...},"more":true}     one item of a stream
//
// The client returns a failure as an *Error with the hints attached as
// data (package internal/hint), so that a command prints them once, on
// "hint: " lines after the message. Requests on a connection are
// answered in order. Streaming commands (monitor, journal with follow)
// answer with items marked "more" until the client closes the
// connection. Invalid JSON, unknown fields, an
// unknown command or bad arguments get an error response; the server
// never panics on input.
//
// # Authentication and limits
//
// When the agent has a token, the first request of a connection must
// carry it; Dial sends it alone, as {"seq":1,"token":"...","command":"auth"}.
// Until then the agent looks at nothing but the token: any first line
// without the right one, whatever else it holds, gets the same error
// ("invalid or missing RPC token") and the connection is closed. Later
// requests need not repeat the token.
//
// The first request of a connection to an agent with a token may hold
// MaxAuthBytes and must arrive within 5 s; every other request may hold
// MaxRequestBytes, and a connection idle for 60 s between requests is
// closed (a running stream is not idle). A request over its limit, or a
// timeout, gets an error line, then the connection is closed. The agent
// serves at most 64 connections at once; one more is answered with an
// "agent busy" error and closed. (Agents can change the counts and
// timeouts; see agent.RPCLimits.)
//
// Commands and their args/result types: members (-, MembersResult), join
// (JoinArgs, JoinResult), leave (-, -), force-leave (ForceLeaveArgs, -),
// event (EventArgs, -), tags (TagsArgs, TagsResult), monitor
// (MonitorArgs, stream of MonitorItem), journal (JournalArgs, JournalResult
// or a stream of them), keys (KeysArgs, KeysResult), fault (FaultArgs,
// Fault), info (-, Info), auth (-, -: only presents the token).
package rpc
