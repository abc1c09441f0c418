package lab

import (
	"context"
	"errors"
	"fmt"
)

// ErrNoLab is wrapped by Open when the directory has no lab.hcl.
var ErrNoLab = errors.New("no lab")

// Open reads the lab of dir from its lab.hcl, for the commands that act
// on a lab that exists (lab chaos, lab members, bench converge --backend
// lab). When the lab's provider, found in providers (may be nil), lists
// its nodes (NodeSource), the nodes are its list. Without a lab.hcl the
// error wraps ErrNoLab, and the caller says how to make one or name
// another directory.
func Open(ctx context.Context, dir string, providers ProviderGetter) (*Lab, error) {
	p := Paths{Dir: dir}
	spec, src, err := LoadFile(p.LabFile())
	if errors.Is(err, ErrNoLabFile) {
		return nil, fmt.Errorf("%w in %s (no lab.hcl)", ErrNoLab, absPath(dir))
	}
	if err != nil {
		return nil, err
	}
	if providers != nil {
		if prov, perr := providers.Get(spec.Provider); perr == nil {
			if err := ListHosts(ctx, &spec, dir, prov); err != nil {
				return nil, err
			}
		}
	}
	if errs := spec.Validate(); len(errs) > 0 {
		return nil, SpecError(errs, src, nil)
	}
	return New(dir, spec), nil
}
