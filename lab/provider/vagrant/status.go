package vagrant

import (
	"github.com/gossiplab/gossiplab/lab"
)

// MachineStatus is one machine's line in `vagrant status --machine-readable`.
type MachineStatus struct {
	Name     string
	Provider string // provider-name: virtualbox, libvirt
	State    string // Vagrant's state id: running, poweroff, shutoff, not_created ...
	Short    string // state-human-short
	Long     string // state-human-long
}

// ParseStatus gathers the per-machine records of `vagrant status
// --machine-readable` in the order machines first appear.
func ParseStatus(recs []Record) []MachineStatus {
	var out []MachineStatus
	index := map[string]int{}
	get := func(name string) *MachineStatus {
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			out = append(out, MachineStatus{Name: name})
		}
		return &out[i]
	}
	for _, r := range recs {
		if r.Target == "" || len(r.Data) == 0 {
			continue
		}
		switch r.Type {
		case "provider-name":
			get(r.Target).Provider = r.Data[0]
		case "metadata":
			if len(r.Data) >= 2 && r.Data[0] == "provider" && get(r.Target).Provider == "" {
				get(r.Target).Provider = r.Data[1]
			}
		case "state":
			get(r.Target).State = r.Data[0]
		case "state-human-short":
			get(r.Target).Short = r.Data[0]
		case "state-human-long":
			get(r.Target).Long = r.Data[0]
		}
	}
	// Machines named only in metadata lines (e.g. `vagrant validate`) have
	// no state: drop them.
	var kept []MachineStatus
	for _, m := range out {
		if m.State != "" {
			kept = append(kept, m)
		}
	}
	return kept
}

// NodeState maps a Vagrant state id, of VirtualBox or libvirt, onto the
// states every provider shares. Transitional and broken states (saving,
// stopping, shutting_down, preparing, inaccessible, stuck, unknown ...)
// are unknown: wait, then look again, or reload the node.
func NodeState(vagrantState string) lab.NodeState {
	switch vagrantState {
	case "running":
		return lab.StateRunning
	case "not_created":
		return lab.StateNotCreated
	case
		"poweroff",       // VirtualBox: halted
		"aborted",        // VirtualBox: the VM process died; `vagrant up` boots it again
		"saved",          // VirtualBox: suspended to disk
		"paused",         // VirtualBox and libvirt: paused in memory
		"gurumeditation", // VirtualBox: the guest crashed
		"shutoff",        // libvirt: halted
		"pmsuspended",    // libvirt: suspended by the guest's power management
		"crashed":        // libvirt: the guest crashed
		return lab.StateHalted
	}
	return lab.StateUnknown
}
