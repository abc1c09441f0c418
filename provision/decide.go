package provision

import (
	"github.com/hashicorp/go-version"
)

// Action is what provisioning did on a node.
type Action string

// Actions, as the final table prints them.
const (
	ActionInstalled    Action = "installed"    // no agent before
	ActionUpgraded     Action = "upgraded"     // an older (or, with force, any other) binary replaced
	ActionReconfigured Action = "reconfigured" // same binary; config or service changed, restarted
	ActionStarted      Action = "started"      // nothing changed but the agent was not running
	ActionUnchanged    Action = "unchanged"    // nothing touched
	ActionKeptNewer    Action = "kept-newer"   // the node runs a newer agent, left alone (use force)
	ActionFailed       Action = "failed"
)

// plan is what to do on one node, decided from its facts.
type plan struct {
	action       Action
	binary       bool // upload and install the binary
	config       bool // write the config
	service      bool // write the service file
	rcLocal      bool // add the rc.local line
	restart      bool // (re)start the service
	retire       bool // stop the other flavour and keep it from starting at boot
	keptNewer    bool
	installedVer *version.Version
}

// desired is what the node should end up with.
type desired struct {
	version    *version.Version // the bundled binary's version; nil: unknown
	binarySum  string
	configSum  string // "" when the flavour has no config file
	serviceSum string
	rcLocal    bool // init none: rc.local must hold the entry
}

// decide compares a node's facts with what it should have. The binary
// (hashed only when the bundle's version is unknown or with force):
// none -> install; same sha256 -> keep; older version -> upgrade; newer ->
// keep unless force; same version -> keep unless force; versions unknown
// -> replace. The config and service file: rewritten when their sha256
// differ. Anything installed or rewritten -> restart; nothing changed but
// not running -> start.
func decide(f *Facts, d desired, force bool) plan {
	p := plan{installedVer: f.Installed}
	switch {
	case f.BinarySum == "":
		p.binary, p.action = true, ActionInstalled
	case f.BinarySum == d.binarySum:
	case d.version == nil || f.Installed == nil:
		p.binary, p.action = true, ActionUpgraded
	case f.Installed.LessThan(d.version):
		p.binary, p.action = true, ActionUpgraded
	case force:
		p.binary, p.action = true, ActionUpgraded
	case f.Installed.GreaterThan(d.version):
		p.keptNewer = true
	}
	p.config = d.configSum != "" && f.ConfigSum != d.configSum
	p.service = f.ServiceSum != d.serviceSum
	p.rcLocal = d.rcLocal && !f.RCLocalEntry
	changed := p.binary || p.config || p.service
	p.restart = changed || !f.Running
	p.retire = len(f.Other) > 0
	switch {
	case p.action != "":
	case p.keptNewer:
		p.action = ActionKeptNewer
	case changed || p.rcLocal || p.retire:
		p.action = ActionReconfigured
	case !f.Running:
		p.action = ActionStarted
	default:
		p.action = ActionUnchanged
	}
	return p
}

// touches reports whether the plan changes anything on the node.
func (p plan) touches() bool {
	return p.binary || p.config || p.service || p.rcLocal || p.restart || p.retire
}
