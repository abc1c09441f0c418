package command

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gossiplab/gossiplab/bench"
)

// attach attaches the backends that run on an existing cluster (the lab
// backend) and fits the experiment to it: N is the cluster's size, the
// profile its agents'. It returns what to call when the runs are over.
func (f *convergeFlags) attach(ctx context.Context, x *bench.Experiment, res *bench.Results) (_ func() error, err error) {
	var detaches []func() error
	detach := func() error {
		var errs []error
		for _, d := range slices.Backward(detaches) {
			errs = append(errs, d())
		}
		return errors.Join(errs...)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, detach())
		}
	}()
	for _, b := range x.Backends {
		a, ok := b.(bench.Attacher)
		if !ok {
			continue
		}
		att, err := a.Attach(ctx, f.labDir)
		if err != nil {
			return nil, fmt.Errorf("backend %s: %w", b.Name(), err)
		}
		detaches = append(detaches, att.Detach)
		if err := f.fit(x, b.Name(), att); err != nil {
			return nil, err
		}
		res.Environment.Lab = att.Info
	}
	return detach, nil
}

// fit checks the flags against an attached cluster and sets N from it.
func (f *convergeFlags) fit(x *bench.Experiment, backend string, att *bench.Attachment) error {
	var errs []error
	if f.nodesSet && (len(f.nodes) != 1 || f.nodes[0] != att.Nodes) {
		errs = append(errs, fmt.Errorf("--nodes %v: the %s backend runs on the lab's %d nodes only\nhint: omit --nodes with --backend %s, or pass --nodes %d",
			f.nodes, backend, att.Nodes, backend, att.Nodes))
	}
	if x.Profile.Name != att.Profile {
		errs = append(errs, fmt.Errorf("--profile %s: the lab's agents run profile %s, which the models must use too\nhint: pass --profile %s", x.Profile.Name, att.Profile, att.Profile))
	}
	if f.gossipInterval > 0 || f.fanout > 0 {
		errs = append(errs, fmt.Errorf("--gossip-interval and --fanout do not apply to the %s backend: its agents run as provisioned\nhint: drop them, or run the %s backend on its own; --loss works on a lab", backend, backend))
	}
	x.Nodes = []int{att.Nodes}
	return errors.Join(errs...)
}
