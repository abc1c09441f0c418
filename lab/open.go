package lab

import (
	"errors"
	"fmt"
)

// ErrNoLab is wrapped by Open when the directory has no lab.hcl.
var ErrNoLab = errors.New("no lab")

// Open reads the lab of dir from its lab.hcl, for the commands that act
// on a lab that exists (lab chaos, lab members, bench converge --backend
// lab). dirFlag is the flag that names the directory, for the hint.
func Open(dir, dirFlag string) (*Lab, error) {
	p := Paths{Dir: dir}
	spec, src, err := LoadFile(p.LabFile())
	if errors.Is(err, ErrNoLabFile) {
		return nil, fmt.Errorf("%w in %s (no lab.hcl)\nhint: run lab up --nodes N there to make one, or pass %s", ErrNoLab, absPath(dir), dirFlag)
	}
	if err != nil {
		return nil, err
	}
	if errs := spec.Validate(); len(errs) > 0 {
		return nil, SpecError(errs, src, nil)
	}
	return New(dir, spec), nil
}
