package lab

import (
	"path/filepath"
	"strconv"
)

// SSHArgs are the arguments of the system's ssh client that reach a node,
// before the command: port, the options of SSHOptions, user@host.
func SSHArgs(l *Lab, ep SSHEndpoint) []string {
	args := []string{"-p", strconv.Itoa(ep.Port)}
	for _, o := range SSHOptions(l, ep) {
		args = append(args, "-o", o[0]+"="+o[1])
	}
	return append(args, ep.User+"@"+ep.Host)
}

// SSHOptions are the OpenSSH options for a node (the lab's key, host keys
// pinned in .lab/known_hosts under the node's name), shared by lab ssh,
// lab ssh-config and the shells of lab chaos and bench.
func SSHOptions(l *Lab, ep SSHEndpoint) [][2]string {
	return [][2]string{
		{"IdentityFile", absPath(ep.IdentityFile)},
		{"IdentitiesOnly", "yes"},
		{"HostKeyAlias", ep.Node},
		{"UserKnownHostsFile", absPath(l.Paths.KnownHosts())},
		{"StrictHostKeyChecking", "accept-new"},
		{"HashKnownHosts", "no"},
		{"PasswordAuthentication", "no"},
		{"LogLevel", "ERROR"},
	}
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
