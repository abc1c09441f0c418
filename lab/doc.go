// Package lab is the domain core of the lab command: the lab file
// (lab.hcl) and the resolved Spec, node assignments (names, hostnames,
// IPs, SSH ports), node selectors, the lab directory's paths, the state
// file and its lock, the capacity planner, and the Provider interface
// that the providers under lab/provider implement.
//
// Package lab never imports a provider; main builds a Registry of them.
//
// # The lab file
//
//	name          = "gossip"            # lab name: VM and namespace names derive from it
//	provider      = "virtualbox"        # virtualbox (default), libvirt or netns
//	nodes         = 52                  # web_1 .. web_52, hostnames web-1 .. web-52
//	prefix        = "web"
//	box           = "debian/bookworm64"
//	box_version   = ">= 12.0"           # a Vagrant version constraint; optional
//	memory        = 512                 # MB per node
//	cpus          = 1
//	subnet        = "192.168.56.0/21"   # VirtualBox's default allowed host-only range
//	first_host    = 11                  # web_1 = 192.168.56.11
//	ssh_port_base = 2300                # web_1's SSH on 127.0.0.1:2300, web_2 on 2301 ...
//	linked_clone  = true
//
//	group "web" {
//	  nodes = "web_[1-40]"
//	  tags  = { role = "web" }
//	}
//
//	agent {
//	  profile = "lan"                   # memberlist profile: lan, wan or local
//	  encrypt = true                    # gossip encryption, key generated once per lab
//	  join    = "seeds"                 # "seeds": join the first `seeds` nodes; "mdns": discover
//	  seeds   = 3
//	}
//
// Unknown attributes and blocks are refused with file:line:col.
package lab
