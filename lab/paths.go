package lab

import "path/filepath"

// Paths owns every path of a lab directory. Everything lab makes lives
// under Dir/.lab, except the lab file and the Vagrantfile beside it.
type Paths struct{ Dir string }

// LabFile is the lab's description, written by lab init, owned by the user.
func (p Paths) LabFile() string { return filepath.Join(p.Dir, "lab.hcl") }

// Vagrantfile is rendered from the lab file.
func (p Paths) Vagrantfile() string { return filepath.Join(p.Dir, "Vagrantfile") }

// StateDir holds lab's own state.
func (p Paths) StateDir() string { return filepath.Join(p.Dir, ".lab") }

// StateFile holds the resolved assignments and node status.
func (p Paths) StateFile() string { return filepath.Join(p.StateDir(), "state.json") }

// LockFile guards the state against concurrent lab commands.
func (p Paths) LockFile() string { return filepath.Join(p.StateDir(), "lock") }

// KnownHosts pins the nodes' SSH host keys.
func (p Paths) KnownHosts() string { return filepath.Join(p.StateDir(), "known_hosts") }

// SSHKey is the lab's own ed25519 user key (private part; .pub beside it).
func (p Paths) SSHKey() string { return filepath.Join(p.StateDir(), "id_ed25519") }

// EncryptKey is the gossip encryption key, generated once per lab.
func (p Paths) EncryptKey() string { return filepath.Join(p.StateDir(), "gossip.key") }

// BackupDir keeps user files lab replaced with --force.
func (p Paths) BackupDir() string { return filepath.Join(p.StateDir(), "backup") }

// NodesDir holds per-node directories (the netns provider's node roots).
func (p Paths) NodesDir() string { return filepath.Join(p.StateDir(), "nodes") }

// NodeDir is one node's directory.
func (p Paths) NodeDir(node string) string { return filepath.Join(p.NodesDir(), node) }

// LastFault records the fault lab chaos injected last, for lab watch.
func (p Paths) LastFault() string { return filepath.Join(p.StateDir(), "last-fault.json") }

// ResultsDir is where chaos and bench records go by default.
func (p Paths) ResultsDir() string { return filepath.Join(p.Dir, "results") }
