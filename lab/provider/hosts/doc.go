// Package hosts is the provider for machines that exist: cloud VMs made
// by Terraform, bare metal, whatever an Ansible inventory lists. lab does
// not make these nodes and does not own them; it reaches them over SSH,
// installs the gossip agent, breaks the cluster and measures it, and on
// lab destroy takes off what it installed, leaving the machines as they
// were.
//
// # Listing the nodes
//
// lab.hcl names the machines with inventory = "hosts.ini" (an Ansible
// inventory, relative to the lab directory: INI, or YAML when the name ends
// in .yml, .yaml or .json), with host "NAME" { address, port, user,
// identity_file, lab_ip } blocks, or both. The provider is a
// lab.NodeSource: lab asks it for the node list (ListHosts) wherever it
// resolves a lab's nodes, so selectors, groups and tags work as for the
// other providers.
//
// From an inventory lab reads, per host, after Ansible's precedence (all's
// variables, then groups from the shallowest to the deepest, then the
// host's own): ansible_host, ansible_port, ansible_user,
// ansible_ssh_private_key_file (and their older ansible_ssh_ spellings),
// ansible_connection (SSH only), lab_ip (the address the agent binds and
// advertises; default: ansible_host when it is an IP) and lab_tag_KEY
// (the tag KEY). A host also gets the tag group=NAME of the first section
// that lists it. Host ranges (web[01:20], db-[a:c]) and host:port work
// as in Ansible.
//
// # What each verb does to a host
//
// Up waits until each host answers over SSH (its host key pinned in
// .lab/known_hosts on first contact) and runs Linux; Status reports a host
// running when it answers, unknown otherwise. Halt and Reload power the
// machines off or reboot them: the lab commands allow that only with
// --allow-power (lab.ProviderInfo.RealMachines). Destroy never powers
// anything off: it stops and removes the agent, its service, files and
// rc.local line, and lab chaos's nftables table (UninstallScript).
//
// The plan (lab plan, and lab up before it acts) reaches every host and
// checks that it runs Linux, that nothing but a gossip agent holds the
// gossip port on its lab IP, and that it has its lab IP. The machines cost
// this host nothing.
package hosts
