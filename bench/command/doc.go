// Package command implements the bench CLI: one file per verb (converge,
// report), each a NewXCommand constructor with a private flags struct and
// a runE, wired into the root command by NewRoot. cmd/bench only calls
// NewRoot and prints the error.
package command
