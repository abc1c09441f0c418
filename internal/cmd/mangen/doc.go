// Command mangen writes the man pages of lab, bench and labagent into
// docs/man:
//
//	go generate ./internal/cmd/mangen
//
// lab's and bench's come from their cobra command trees (cobra/doc), one
// page per command, the completion commands included. labagent parses
// its flags with the standard library, not cobra: its one page,
// labagent(1), is built from its own help text (`labagent help` and
// `labagent COMMAND -h` for every command) around a short hand-written
// description, so its flags cannot drift from the binary's.
//
// The pages are deterministic: they are dated with the newest release in
// CHANGELOG.md, and environment variables do not reach the defaults they
// show. The test fails when a committed page is stale; `go test
// ./internal/cmd/mangen -update` rewrites them as go generate does.
package main
