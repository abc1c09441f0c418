package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/lab"
)

// loadLab reads the lab of the command's directory from its lab.hcl, for
// the commands that act on a lab that exists (all but init, plan and up).
func loadLab(cmd *cobra.Command) (*lab.Lab, error) {
	return lab.Open(labDir(cmd), "--dir")
}

// providerOf returns the provider the lab file names.
func providerOf(env *Env, l *lab.Lab) (lab.Provider, error) {
	p, err := env.Providers.Get(l.Spec.Provider)
	if err != nil {
		return nil, fmt.Errorf("lab %s uses provider %q, which this lab binary lacks: %w", l.Spec.Name, l.Spec.Provider, err)
	}
	return p, nil
}

// selectNodes resolves node selectors, or every node with all; naming no
// node at all is an error.
func selectNodes(l *lab.Lab, args []string, all bool) ([]string, error) {
	if !all && len(args) == 0 {
		return nil, fmt.Errorf("no nodes named\nhint: name nodes (%s), e.g. web_3, web_[1-5], 'web_*', or pass --all", lab.Summarize(l.NodeNames()))
	}
	return l.Select(args, all)
}

// loadOrNewState returns the lab's state, or a fresh one with its
// assignments, carrying over what the old one knew.
func loadOrNewState(l *lab.Lab) (*lab.State, error) {
	old, ok, err := lab.LoadState(l.Paths)
	if err != nil {
		return nil, err
	}
	st := lab.NewState(l)
	if ok {
		st = lab.MergeState(old, st)
	}
	st.Provider = l.Spec.Provider
	return st, nil
}

// recordStatus asks the provider for every node's state and saves it in
// the lab's state file. The caller holds the lab's lock. It runs even
// when ctx was cancelled (after Ctrl-C), so the record stays true.
func recordStatus(ctx context.Context, env *Env, l *lab.Lab, prov lab.Provider) ([]lab.NodeStatus, error) {
	ctx = context.WithoutCancel(ctx)
	statuses, err := prov.Status(ctx, l)
	if err != nil {
		return nil, err
	}
	st, err := loadOrNewState(l)
	if err != nil {
		return nil, err
	}
	for _, s := range statuses {
		if n := st.Node(s.Node); n != nil {
			n.Status = s.State
		}
	}
	return statuses, lab.SaveState(l.Paths, st, env.now())
}

// interrupted explains a command stopped by Ctrl-C.
func interrupted(what, resume string) error {
	return fmt.Errorf("%s interrupted\nhint: %s", what, resume)
}

// reachable is a lab opened by a read-only command that takes optional
// node selectors (all nodes without any), with their SSH endpoints.
type reachable struct {
	lab   *lab.Lab
	prov  lab.Provider
	nodes []string
	eps   []lab.SSHEndpoint // one per node, in order
	// down are the nodes the provider has no endpoint for, as it is not
	// running them (Vagrant); their eps are the lab's assignment, with
	// no user or key.
	down map[string]lab.NodeState
}

func openReachable(cmd *cobra.Command, env *Env, args []string, all bool) (*reachable, error) {
	l, err := loadLab(cmd)
	if err != nil {
		return nil, err
	}
	r := &reachable{lab: l, nodes: l.NodeNames()}
	if len(args) > 0 {
		if r.nodes, err = l.Select(args, all); err != nil {
			return nil, err
		}
	}
	if r.prov, err = providerOf(env, l); err != nil {
		return nil, err
	}
	if r.eps, err = r.prov.SSHEndpoints(cmd.Context(), l, r.nodes); err != nil {
		if !r.endpointsOfRunning(cmd.Context()) {
			return nil, err
		}
	}
	return r, nil
}

// endpointsOfRunning asks the provider again, for the running nodes only,
// when it could not give endpoints for all (Vagrant refuses ssh-config for
// any machine that is not running, and then for all); the other nodes get
// their assigned address. It reports whether that worked.
func (r *reachable) endpointsOfRunning(ctx context.Context) bool {
	statuses, err := r.prov.Status(ctx, r.lab)
	if err != nil {
		return false
	}
	state := map[string]lab.NodeState{}
	for _, s := range statuses {
		state[s.Node] = s.State
	}
	var running []string
	r.down = map[string]lab.NodeState{}
	for _, n := range r.nodes {
		if isDown(state[n]) {
			r.down[n] = state[n]
		} else {
			running = append(running, n)
		}
	}
	if len(r.down) == 0 {
		return false // nothing to leave out: the error stands
	}
	eps := map[string]lab.SSHEndpoint{}
	if len(running) > 0 {
		got, err := r.prov.SSHEndpoints(ctx, r.lab, running)
		if err != nil {
			return false
		}
		for _, ep := range got {
			eps[ep.Node] = ep
		}
	}
	r.eps = make([]lab.SSHEndpoint, len(r.nodes))
	for i, n := range r.nodes {
		ep, ok := eps[n]
		if !ok {
			node, _ := r.lab.Node(n)
			ep = lab.SSHEndpoint{Node: n, Host: "127.0.0.1", Port: node.SSHPort}
		}
		r.eps[i] = ep
	}
	return true
}

// firstErr returns the action's error, or else the one recording the
// state; when both failed, the second is most often the first again
// (the provider cannot run), so it is only logged.
func firstErr(env *Env, action, record error) error {
	if action == nil {
		return record
	}
	if record != nil {
		env.Logger.Debug("recording node states failed too", "err", record)
	}
	return action
}

// isDown reports whether a node in state st has no SSH server to reach.
func isDown(st lab.NodeState) bool { return st == lab.StateHalted || st == lab.StateNotCreated }

// downErr says that node is not running and how to boot it.
func downErr(node string, st lab.NodeState) error {
	return fmt.Errorf("node %q is %s\nhint: lab up (or lab reload %s) boots it", node, st, node)
}

// checkMoved refuses to act on a lab whose lab.hcl gives nodes that exist
// other addresses than the ones they were made with (a new subnet or
// first_host): a node keeps its address (netns: its eth1 and the sshd
// bound to it; Vagrant: until a reload), so booting, provisioning or
// reloading it would only time out.
func checkMoved(ctx context.Context, l *lab.Lab, prov lab.Provider) error {
	old, ok, err := lab.LoadState(l.Paths)
	if err != nil || !ok {
		return nil // a bad state file is reported where it is read
	}
	var moved []string
	var names []string
	for _, n := range l.Nodes {
		if o := old.Node(n.Name); o != nil && o.IP != n.IP.String() {
			moved = append(moved, fmt.Sprintf("%s %s -> %v", n.Name, o.IP, n.IP))
			names = append(names, n.Name)
		}
	}
	if len(moved) == 0 {
		return nil
	}
	statuses, err := prov.Status(ctx, l)
	if err != nil {
		return nil
	}
	exists := map[string]bool{}
	for _, s := range statuses {
		exists[s.Node] = s.State != lab.StateNotCreated && s.State != lab.StateUnknown
	}
	var existing []string
	for i, n := range names {
		if exists[n] {
			existing = append(existing, moved[i])
		}
	}
	if len(existing) == 0 {
		return nil
	}
	if len(existing) > 3 {
		existing = append(existing[:3], fmt.Sprintf("and %d more", len(existing)-3))
	}
	return fmt.Errorf("lab.hcl gives nodes that exist new addresses (%s), but a node keeps the address it was made with\nhint: lab destroy --force, then lab up, re-creates the nodes with the new addresses; or put subnet and first_host back as they were",
		strings.Join(existing, ", "))
}
