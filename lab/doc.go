// Package lab is the domain core of the lab command: the lab file
// (lab.hcl) and the resolved Spec, node assignments (names, hostnames,
// IPs, SSH ports), node selectors, the lab directory's paths, the state
// file and its lock, the capacity planner, and the Provider interface
// that the providers under lab/provider implement.
//
// Package lab never imports a provider; main builds a Registry of them.
//
// For provisioning (package provision does the SSH work), lab finds the
// agent binaries next to the lab binary (FindAgentBinaries), keeps the
// lab's gossip key in .lab/gossip.key (EnsureEncryptKey) and turns nodes
// and SSH endpoints into provision targets (Lab.AgentTargets).
//
// # The lab file
//
//	name          = "gossip"            # lab name: VM and namespace names derive from it
//	provider      = "virtualbox"        # virtualbox (default), libvirt, netns or hosts
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
//
// # Labs of machines that exist
//
// A provider that lists its nodes rather than making them (a NodeSource,
// such as hosts) reads them from an inventory, from host blocks, or both;
// nodes, prefix, subnet, first_host and ssh_port_base are then unused:
//
//	provider  = "hosts"
//	inventory = "hosts.ini"             # an Ansible inventory, relative to the lab directory
//
//	host "db1" {
//	  address       = "10.0.0.7"        # SSH; default: the name
//	  port          = 22
//	  user          = "root"
//	  identity_file = "~/.ssh/lab"
//	  lab_ip        = "10.0.0.7"        # the agent's address; default: address, when an IP
//	}
//
// Open and ListHosts ask the lab's provider for the list; Validate checks
// it (node names, one IPv4 lab IP each), naming the file and line of a bad
// host.
package lab
