// Package templates embeds the text templates of the files lab generates
// (the Vagrantfile, the default lab.hcl, and the agent's service files
// that provision installs on every node). It is its own package because
// an embed directive cannot reach files outside its package's directory;
// the packages that render them (vagrantgen, lab, provision) test the
// output against exact text.
package templates

import _ "embed"

//go:embed Vagrantfile.tmpl
var vagrantfile string

//go:embed lab.hcl.tmpl
var labFile string

//go:embed labagent.service.tmpl
var systemdUnit string

//go:embed labagent.init.tmpl
var initScript string

//go:embed rc.local.tmpl
var rcLocalEntry string

// Vagrantfile is the template vagrantgen renders.
func Vagrantfile() string { return vagrantfile }

// LabFile is the template of the lab.hcl that lab init writes.
func LabFile() string { return labFile }

// SystemdUnit is the agent's systemd unit (Restart=on-failure).
func SystemdUnit() string { return systemdUnit }

// InitScript is the agent's SysV init script (LSB and chkconfig headers,
// start/stop/restart/status with a pid file); nodes without an init
// system run it from rc.local.
func InitScript() string { return initScript }

// RCLocalEntry is the line added to /etc/rc.local on nodes with neither
// systemd nor SysV init.
func RCLocalEntry() string { return rcLocalEntry }
