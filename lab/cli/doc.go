// Package cli implements the lab command: one file per verb, each a
// newXxxCommand(env) returning a cobra command with a private flags struct
// and a runE. Commands reach providers only through the lab.Registry that
// main builds; they never import a provider package.
package cli
