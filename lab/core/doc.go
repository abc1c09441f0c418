// Package core is lab's use cases as a library: open a lab once, then
// Up, Provision, Verify, Halt, Reload, Destroy, Members, Matrix and
// Chaos on it. The lab command's verbs (lab/cli) parse flags, call one of
// these and render the result; bench's lab backend calls the same.
//
// A session (*Lab) reads the lab file and the state once, asks the
// provider for the nodes' states once and then keeps them up to date from
// its own actions, writes the state at most once per phase (and in
// Close), and holds one SSH connection per node that every use case
// shares. Progress goes through the Progress interface; hints for the
// user ride on errors (internal/hint).
//
//	l, err := core.Open(ctx, dir, core.Options{Providers: reg, Lock: "lab provision"})
//	if err != nil { ... }
//	defer l.Close()
//	results, err := l.Provision(ctx, l.NodeNames(), core.ProvisionOptions{Parallel: 10})
//	...
//	conv, err := l.Verify(ctx, provision.FlavourLabagent, time.Minute)
//
// Nothing here names a provider or an agent flavour: what differs is
// asked of the lab.Provider (footprint, plan checks, generated files) and
// of the provision.Flavour.
package core
