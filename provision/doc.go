// Package provision installs, configures and starts the gossip agent on
// the nodes of a lab over SSH, in parallel and idempotently.
//
// # Connecting
//
// Dial reaches a node's Endpoint (what Vagrant's ssh-config gives, or
// 127.0.0.1:port and the lab's key for a netns node), retrying with
// exponential backoff while the node boots, bounded by
// DialOptions.Timeout. The connection sends keepalive@openssh.com
// requests and is closed as dead when they go unanswered. Host keys are
// pinned on first contact in a known_hosts file keyed by node name
// (KnownHosts); a node presenting another key is refused with a
// *HostKeyChangedError (KnownHosts.Forget resets the pin, as re-creating
// a node should).
//
// # Provisioning
//
//	p, err := provision.New(provision.Options{
//		Bundle:   provision.Bundle{Flavour: provision.FlavourLabagent, Version: agent.Version(),
//			Binaries: map[string]string{"amd64": "bin/labagent-linux-amd64"}},
//		Agent:    provision.AgentSettings{Profile: "lan", EncryptKey: key},
//		HostKeys: provision.NewKnownHosts(".lab/known_hosts"),
//	})
//	results := p.Run(ctx, targets) // Parallel at a time; one Result per node
//	provision.WriteTable(os.Stdout, results)
//	err = provision.Failed(results)
//
// Per node, one round trip gathers the Facts (OS and arch from uname,
// init system, the interface holding the lab IP, the installed agent's
// version and the sha256 of its binary, config and service file); decide
// compares them with what the node should have:
//
//   - same version (or same binary) and same config: unchanged, nothing
//     touched;
//   - no agent: installed; older: upgraded; newer: kept-newer unless
//     Force;
//   - config or service file changed: reconfigured (rewritten, restarted).
//
// What must change is uploaded over SFTP to temporary names in the
// target directories, its sha256 checked on the node and the new
// binary's version checked (against the bundle, and Bundle.Constraint
// for serf); only then is it renamed into place, and the service
// (re)started. The previous binary and config are kept until the new
// agent runs and put back if it does not start, so a failure at any step
// leaves the previous version in place and running.
//
// # Files on a node
//
// Layout: /usr/local/bin/labagent, /etc/labagent/labagent.json (0600, it
// holds the gossip key), /var/lib/labagent/snapshot, and the service:
// /etc/systemd/system/labagent.service (systemd), /etc/init.d/labagent
// (SysV: chkconfig or update-rc.d), or /etc/labagent/labagent.init run
// from a line in /etc/rc.local (no init system). Layout.Root prefixes
// every path; tests point it at a temporary directory. Under a Root the
// service is not registered with systemctl, chkconfig or update-rc.d.
//
// The flavour serf (a HashiCorp Serf binary the user supplies) gets no
// config file: Serf's own flags (-node, -bind, -advertise, -retry-join,
// -encrypt, -rpc-addr, ...) go on its command line in the service file.
//
// A login other than root runs the install steps with `sudo -n` and
// stages uploads in /tmp. Cancelling the context stops an upload at once
// (its SFTP session is closed) and leaves the node as it was.
//
// # Errors
//
// Errors carry what the user can do as hints (package internal/hint)
// that name no command or flag of the program on top: where the fix is a
// command of lab's, provisioning returns a typed error (*ArchError,
// *ConstraintError, *GaveUpError, *NoLabIPError, *HostKeyChangedError,
// ErrNoIdentity) for the CLI to add its own hint to.
package provision
