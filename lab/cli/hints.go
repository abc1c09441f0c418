package cli

import (
	"errors"
	"fmt"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/provision"
)

// labHints attaches, in lab's words (its commands and flags), what to do
// about the errors of packages that know nothing of lab's command line:
// provision says what failed, lab says how to fix it here.
func labHints(err error) error {
	if err == nil {
		return nil
	}
	var (
		arch    *provision.ArchError
		constr  *provision.ConstraintError
		gaveUp  *provision.GaveUpError
		noIP    *provision.NoLabIPError
		changed *provision.HostKeyChangedError
		notConv *provision.NotConvergedError
	)
	switch {
	case errors.As(err, &arch):
		err = hint.Wrap(err, fmt.Sprintf("build one with `CGO_ENABLED=0 GOOS=linux GOARCH=%s go build -o labagent-linux-%s ./cmd/labagent` and put it next to lab, or pass --agent-binary", arch.Arch, arch.Arch))
	case errors.As(err, &constr):
		err = hint.Wrap(err, fmt.Sprintf("supply a binary that meets it with --agent-binary, or change the constraint with --%s-version", constr.Flavour))
	case errors.As(err, &changed):
		err = hint.Wrap(err, fmt.Sprintf("if you re-created node %s (lab destroy, lab up), forget its old key: lab provision --forget-host-key %s", changed.Node, changed.Node))
	case errors.As(err, &noIP):
		err = hint.Wrap(err, "lab reload NODE boots it again with its lab address")
	case errors.As(err, &gaveUp):
		err = hint.Wrap(err, "lab status shows whether the node runs; raise --timeout if it is slow to boot")
	case errors.Is(err, provision.ErrNoIdentity):
		err = hint.Wrap(err, "the provider gives a key per node: lab ssh-config shows it")
	case errors.As(err, &notConv):
		err = hint.Wrap(err, "lab members --matrix shows every node's view")
	}
	return err
}
