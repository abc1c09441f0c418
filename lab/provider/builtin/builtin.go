// Package builtin builds the registry of the providers the project ships
// (Vagrant with VirtualBox or libvirt, netns, hosts), for the mains that
// open labs: cmd/lab and cmd/bench.
package builtin

import (
	"log/slog"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/provider/hosts"
	"github.com/gossiplab/gossiplab/lab/provider/netns"
	"github.com/gossiplab/gossiplab/lab/provider/vagrant"
)

// Registry lists the providers, in detection order: VMs when the host has
// them, else netns.
func Registry(logger *slog.Logger) (*lab.Registry, error) {
	r := lab.NewRegistry()
	vb, err := vagrant.New(vagrant.Options{Provider: lab.ProviderVirtualBox, Runner: execx.Exec{}, Logger: logger})
	if err != nil {
		return nil, err
	}
	lv, err := vagrant.New(vagrant.Options{Provider: lab.ProviderLibvirt, Runner: execx.Exec{}, Logger: logger})
	if err != nil {
		return nil, err
	}
	r.Register(vb, true)
	r.Register(lv, false)
	r.Register(netns.New(logger, netns.Options{}), true)  // after virtualbox: VMs when the host has them
	r.Register(hosts.New(logger, hosts.Options{}), false) // machines that exist: named, never detected
	return r, nil
}
