package core

import (
	"time"

	"github.com/gossiplab/gossiplab/lab/chaos"
	"github.com/gossiplab/gossiplab/provision"
)

// Shell runs commands on the lab's nodes as root over the session's SSH
// connections, giving up on a node that does not answer within seconds:
// what lab chaos, lab doctor and bench use.
func (c *Lab) Shell() *chaos.SSHShell { return chaos.NewPoolShell(c.Pool()) }

// Chaos is an engine that injects faults into the lab and measures them,
// on agents of flavour.
func (c *Lab) Chaos(flavour provision.Flavour) *chaos.Engine {
	return &chaos.Engine{Lab: c.Lab, Machines: c.machines(), Shell: c.Shell(), Agent: chaos.AgentFor(flavour), Logger: c.log, Now: c.opts.Now, FollowJournals: true}
}

// Pool is the session's SSH connections with the shell's dial policy
// (seconds, not minutes, for a node that does not answer).
func (c *Lab) Pool() *provision.Pool {
	return c.pool.With(provision.DialOptions{Timeout: 10 * time.Second, Backoff: 200 * time.Millisecond, Logger: c.log})
}
