package provision

// This file judges agent versions: what an uploaded binary reports, the
// bundle's constraint, and the Go module version a binary was built from.

import (
	"context"
	"debug/buildinfo"
	"fmt"

	"github.com/hashicorp/go-version"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// checkVersion checks what the uploaded binary for arch reported on the
// node.
func (p *Provisioner) checkVersion(node, arch, text string) (*version.Version, error) {
	v, err := ParseVersion(text)
	if err != nil {
		return nil, fmt.Errorf("node %q: the uploaded %s binary does not report a version: %w", node, p.opts.Bundle.Flavour, err)
	}
	if p.version != nil && !v.Equal(p.version) {
		return nil, hint.Errorf("rebuild the agent binaries from this source tree", "node %q: the uploaded %s binary reports version %s, the bundle says %s", node, p.opts.Bundle.Flavour, v, p.version)
	}
	if p.constr == nil {
		return v, nil
	}
	judged, why := releaseVersion(v, p.modules[arch])
	if !p.constr.Check(judged) {
		return nil, hint.Wrap(&ConstraintError{Node: node, Flavour: p.opts.Bundle.Flavour, Version: judged.String(), Why: why, Constraint: p.opts.Bundle.Constraint},
			"supply a binary that meets it, or change the constraint")
	}
	return v, nil
}

// releaseVersion is the version a constraint judges: the Go module
// version the binary was built from when its build info has one (Serf's
// source says 0.8.2-dev up to v0.10.2: only release builds stamp the
// version, so `go install github.com/hashicorp/serf/cmd/serf@v0.10.2`
// reports 0.8.2-dev), else the reported version without its prerelease
// (go-version never lets 0.8.2-dev meet ">= 0.8"). why says which, for
// messages.
func releaseVersion(reported, module *version.Version) (v *version.Version, why string) {
	if module != nil {
		if module.Equal(reported) {
			return module, ""
		}
		return module.Core(), fmt.Sprintf(" (built from module version %s; it reports %s)", module, reported)
	}
	if reported.Prerelease() != "" {
		return reported.Core(), fmt.Sprintf(" (reported as %s)", reported)
	}
	return reported, ""
}

// moduleVersion is the module version in the Go build info of the binary
// at path (a pseudo-version counts as its release part), nil when the
// binary is not Go or was built from a checkout ("(devel)").
func moduleVersion(path string) *version.Version {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil
	}
	v, err := version.NewVersion(info.Main.Version)
	if err != nil {
		return nil
	}
	return v
}

// LocalVersion runs `binary version` on this host and parses what it
// prints: how lab learns the bundled agent's version when the binary can
// run here (a linux host of its architecture). Elsewhere it fails, and
// the bundle's binaries are compared by sha256 only.
func LocalVersion(ctx context.Context, binary string) (string, error) {
	out, err := execx.Run(ctx, binary, "version")
	if err != nil {
		return "", fmt.Errorf("ask %s its version: %w", binary, err)
	}
	v, err := ParseVersion(string(out))
	if err != nil {
		return "", fmt.Errorf("%s version: %w", binary, err)
	}
	return v.String(), nil
}
