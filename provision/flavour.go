package provision

import (
	"fmt"
	"strings"
	"time"
)

// Flavour names an agent that lab installs and measures: the bundled
// labagent, or a HashiCorp Serf binary the user supplies. Everything that
// differs between them (how each is configured and started, its client
// commands, how its membership events are observed, what it can do) is
// said here and in flavour_*.go: nothing else switches on a flavour's
// name.
type Flavour string

// Agent flavours.
const (
	// FlavourLabagent is the bundled labagent, configured by a JSON file.
	FlavourLabagent Flavour = "labagent"
	// FlavourSerf is a HashiCorp Serf binary the user supplies, configured
	// by Serf's flags and a config file for its key.
	FlavourSerf Flavour = "serf"
)

// AgentEnv, set to an agent's name in the environment, asks a multi-call
// binary (lab, which is also labagent) to be that agent, as it is when
// started under the agent's name: the install checks an upload's version
// while it still has a temporary name.
const AgentEnv = "GOSSIPLAB_AGENT"

// Flavours lists every flavour.
func Flavours() []Flavour { return []Flavour{FlavourLabagent, FlavourSerf} }

// ParseFlavour checks a flavour's name (an --agent value, the lab state).
func ParseFlavour(s string) (Flavour, error) {
	for _, f := range Flavours() {
		if string(f) == s {
			return f, nil
		}
	}
	return "", &UnknownFlavourError{Name: s}
}

// UnknownFlavourError is a flavour name ParseFlavour does not know.
type UnknownFlavourError struct{ Name string }

func (e *UnknownFlavourError) Error() string { return "unknown agent " + quoteShort(e.Name) }

// flavourSpec describes one flavour.
type flavourSpec struct {
	// journal: the agent keeps a journal of membership events with their
	// times, read with `journal -format json -since SEQ`; otherwise its
	// events are observed by streaming its log (`monitor`).
	journal bool
	// faultHook: the agent has a transport fault hook (`fault`).
	faultHook bool
	// bundled: lab carries the agent; otherwise the user supplies it.
	bundled bool
	// profile is the memberlist profile the agent runs whatever the lab
	// says ("": the lab's).
	profile string
	// constraint is the version constraint a supplied binary must meet
	// by default ("": none).
	constraint string
	// config renders the agent's config file (nil: none).
	config func(l Layout, t Target, s AgentSettings, iface string) ([]byte, error)
	// args is the agent's command line after the binary.
	args func(l Layout, t Target, s AgentSettings, iface string) []string
	// eventArgs are the arguments of `event` that send lab chaos's user
	// event from sender, identified by nonce where the agent's events
	// carry no sender.
	eventArgs func(event, sender, nonce string) []string
	// waitArgs, when set, are the arguments of `members` that first wait
	// (in the agent's client, on the node) until n members are alive, at
	// most d, then list the members as JSON.
	waitArgs func(n int, d time.Duration) []string
}

func (f Flavour) spec() flavourSpec {
	if f == FlavourSerf {
		return serfSpec()
	}
	return labagentSpec() // the default: "" is labagent
}

// Journal reports whether the agent keeps a journal of membership events
// (labagent); otherwise they are observed from its log stream (Serf's
// monitor).
func (f Flavour) Journal() bool { return f.spec().journal }

// FaultHook reports whether the agent has a transport fault hook
// (`labagent fault`).
func (f Flavour) FaultHook() bool { return f.spec().faultHook }

// Bundled reports whether lab carries the agent's binaries.
func (f Flavour) Bundled() bool { return f.spec().bundled }

// Profile is the memberlist profile the agent runs on a lab whose lab
// file asks for labProfile (provisioning gives Serf no profile: it runs
// its default, lan).
func (f Flavour) Profile(labProfile string) string {
	if p := f.spec().profile; p != "" {
		return p
	}
	return labProfile
}

// Constraint is the version constraint a supplied binary must meet by
// default ("" for none).
func (f Flavour) Constraint() string { return f.spec().constraint }

// Config renders the node's config file, or nil when the agent has none.
func (f Flavour) Config(l Layout, t Target, s AgentSettings, iface string) ([]byte, error) {
	if render := f.spec().config; render != nil {
		return render(l, t, s, iface)
	}
	return nil, nil
}

// Args is the agent's command line after the binary.
func (f Flavour) Args(l Layout, t Target, s AgentSettings, iface string) []string {
	return f.spec().args(l, t, s, iface)
}

// EventArgs are the arguments of the agent's `event` command that send
// the user event named event from sender: labagent's observers know the
// sender; Serf's events carry none, so its payload says "SENDER NONCE".
func (f Flavour) EventArgs(event, sender, nonce string) []string {
	return f.spec().eventArgs(event, sender, nonce)
}

// MembersWaitArgs are the arguments of the agent's `members` that wait on
// the node until n members are alive (at most d), then list the members
// as JSON; nil when the agent cannot wait (callers then poll).
func (f Flavour) MembersWaitArgs(n int, d time.Duration) []string {
	if w := f.spec().waitArgs; w != nil {
		return w(n, d)
	}
	return nil
}

// Layout is where f's agent is installed on a node under root ("" on
// real nodes).
func (f Flavour) Layout(root string) Layout { return Layout{Root: root, Name: string(f)} }

// quoteShort quotes a value for a message, shortened when long.
func quoteShort(v string) string {
	if len(v) > 50 {
		return fmt.Sprintf("%q... (%d bytes)", strings.ToValidUTF8(v[:40], ""), len(v))
	}
	return fmt.Sprintf("%q", v)
}
