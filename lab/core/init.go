package core

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/internal/boundedfile"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// InitOptions say how lab init found the spec.
type InitOptions struct {
	// HasFile: dir has a lab.hcl, which spec was read from.
	HasFile bool
	// FromFlags: flags set some of spec; with HasFile they rewrite
	// lab.hcl only with Force.
	FromFlags bool
	// Force overwrites a lab.hcl or generated file its owner changed (a
	// copy is kept) and allows re-addressing nodes that exist.
	Force bool
}

// InitResult says what Init did with each file.
type InitResult struct {
	LabFile string            // created, rewritten from flags (copy ...), or read
	Files   map[string]string // generated files: created, updated, unchanged, replaced
}

// Init writes lab.hcl from spec when dir has none (or, with Force, over
// one the flags change), renders the provider's generated files, and
// records the lab's assignments in its state. Everything is rendered
// before anything is written: bad input writes nothing.
func Init(ctx context.Context, dir string, spec lab.Spec, o InitOptions, opts Options) (*InitResult, error) {
	l := lab.New(dir, spec)
	labText, err := lab.RenderLabFile(spec)
	if err != nil {
		return nil, err
	}
	if o.HasFile && o.FromFlags && !o.Force {
		return nil, hint.Errorf(fmt.Sprintf("edit lab.hcl and run lab init again, or pass --force to rewrite it from the flags (a copy is kept in %s)", l.Paths.BackupDir()),
			"%s exists; lab init will not change it from flags", l.Paths.LabFile())
	}
	if opts.Lock == "" {
		opts.Lock = "lab init"
	}
	c, err := open(ctx, l, opts)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.stateErr(); err != nil {
		return nil, err
	}
	if c.state.had {
		if err := c.checkReshape(o.Force); err != nil {
			return nil, err
		}
		// The new assignments (with --force the user says the nodes that
		// had others are gone).
		c.state.st = lab.MergeState(c.state.prev, lab.NewState(c.Lab))
		c.state.st.Provider = c.Spec.Provider
	}
	res := &InitResult{}
	if res.LabFile, err = c.writeInitLabFile(labText, o); err != nil {
		return nil, err
	}
	if res.Files, err = c.RenderFiles(o.Force); err != nil {
		return nil, err
	}
	c.state.dirty = true
	return res, c.saveState()
}

func (c *Lab) writeInitLabFile(text []byte, o InitOptions) (string, error) {
	p := c.Paths
	switch {
	case !o.HasFile:
		if _, err := os.Stat(p.LabFile()); err == nil {
			return "", fmt.Errorf("%s appeared while lab init ran; not overwriting it", p.LabFile())
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "created", atomicfile.WriteFile(p.LabFile(), text, 0o644)
	case o.FromFlags:
		old, err := boundedfile.ReadFile(p.LabFile(), lab.MaxLabFileSize)
		if err != nil {
			return "", err
		}
		backup, err := lab.Backup(p, p.LabFile(), old, c.now())
		if err != nil {
			return "", err
		}
		if err := atomicfile.WriteFile(p.LabFile(), text, 0o644); err != nil {
			return "", err
		}
		return fmt.Sprintf("rewritten from flags (previous copy kept in %s)", backup), nil
	}
	return "read", nil
}

// checkReshape refuses to change the assignments of nodes that exist.
func (c *Lab) checkReshape(force bool) error {
	st := c.state.prev
	if force || st == nil {
		return nil
	}
	var changed []string
	for _, old := range st.Nodes {
		if old.Status == lab.StateNotCreated || old.Status == "" {
			continue
		}
		n, ok := c.Node(old.Name)
		if !ok || n.IP.String() != old.IP || n.SSHPort != old.SSHPort {
			changed = append(changed, old.Name)
		}
	}
	if st.Provider != "" && st.Provider != c.Spec.Provider && len(changed) == 0 {
		for _, old := range st.Nodes {
			if old.Status != lab.StateNotCreated && old.Status != "" {
				changed = append(changed, old.Name)
			}
		}
	}
	if len(changed) > 0 {
		return hint.Errorf("run lab destroy first, or pass --force if you know they are gone",
			"this change would re-address or drop nodes that exist (%s)", lab.Summarize(changed))
	}
	return nil
}

// PlanSpec checks spec, which may have no lab yet, against this host; the
// SSH ports that dir's lab's running nodes hold (per its state) count as
// free.
func PlanSpec(ctx context.Context, dir string, spec lab.Spec, opts Options) (lab.PlanReport, error) {
	prov, err := opts.Providers.Get(spec.Provider)
	if err != nil {
		return lab.PlanReport{}, err
	}
	facts := lab.GatherHostFacts(ctx)
	facts.LabPorts, facts.Dir = map[int]bool{}, dir
	if st, ok, err := lab.LoadState(lab.Paths{Dir: dir}); err == nil && ok {
		for _, n := range st.Nodes {
			if n.Status == lab.StateRunning {
				facts.LabPorts[n.SSHPort] = true
			}
		}
	}
	planner, _ := prov.(lab.Planner)
	return lab.Plan(ctx, spec, facts, planner), nil
}
