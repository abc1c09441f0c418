package provision

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"text/template"

	"github.com/gossiplab/gossiplab/templates"
)

// InitSystem is how a node starts services.
type InitSystem string

// Init systems, detected per node (see Facts).
const (
	// InitSystemd: /run/systemd/system exists (systemd is PID 1).
	InitSystemd InitSystem = "systemd"
	// InitSysV: PID 1 is init (sysvinit, upstart), with /etc/init.d and
	// chkconfig or update-rc.d, no systemd (CentOS 6, old Debian).
	InitSysV InitSystem = "sysv"
	// InitNone: neither; the init script is run from /etc/rc.local (netns
	// nodes, minimal containers).
	InitNone InitSystem = "none"
)

// Layout holds the paths the agent is installed to on a node. Every path
// is below Root, which is "" on real nodes; tests set it to a temporary
// directory so that nothing touches the host's system directories.
type Layout struct {
	Root string
	Name string // the binary and service name: labagent or serf
}

// Flavour is the flavour installed with this layout.
func (l Layout) Flavour() Flavour { return Flavour(l.Name) }

// Other is the layout of the other flavour on the same node (serf for
// labagent and back): provisioning one retires the other, since both bind
// the gossip port.
func (l Layout) Other() Layout {
	o := l
	for _, f := range Flavours() {
		if string(f) != l.Name {
			o.Name = string(f)
			break
		}
	}
	return o
}

func (l Layout) p(elem ...string) string { return path.Join(append([]string{"/", l.Root}, elem...)...) }

// BinDir holds the binary: /usr/local/bin.
func (l Layout) BinDir() string { return l.p("usr/local/bin") }

// Binary is /usr/local/bin/NAME.
func (l Layout) Binary() string { return path.Join(l.BinDir(), l.Name) }

// ConfDir is /etc/labagent (also for serf: lab owns it).
func (l Layout) ConfDir() string { return l.p("etc/labagent") }

// Config is the agent's JSON config: /etc/labagent/NAME.json.
func (l Layout) Config() string { return path.Join(l.ConfDir(), l.Name+".json") }

// DataDir holds the snapshot: /var/lib/labagent.
func (l Layout) DataDir() string { return l.p("var/lib/labagent") }

// Snapshot is the agent's member snapshot.
func (l Layout) Snapshot() string { return path.Join(l.DataDir(), "snapshot") }

// PIDFile is where the init script keeps the agent's pid.
func (l Layout) PIDFile() string { return l.p("var/run", l.Name+".pid") }

// LogFile is where the init script sends the agent's output.
func (l Layout) LogFile() string { return l.p("var/log", l.Name+".log") }

// RCLocal is /etc/rc.local.
func (l Layout) RCLocal() string { return l.p("etc/rc.local") }

// ServiceFile is the file that makes the agent a service under init.
func (l Layout) ServiceFile(init InitSystem) string {
	switch init {
	case InitSystemd:
		return l.p("etc/systemd/system", l.Name+".service")
	case InitSysV:
		return l.p("etc/init.d", l.Name)
	default:
		return path.Join(l.ConfDir(), l.Name+".init")
	}
}

// serviceData fills the service templates.
type serviceData struct {
	Name        string
	Description string
	ExecStart   string
	PIDFile     string
	LogFile     string
	Script      string // the init script rc.local runs
}

func newServiceData(l Layout, init InitSystem, args []string) serviceData {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return serviceData{
		Name:        l.Name,
		Description: l.Name + " gossip agent (gossiplab)",
		ExecStart:   strings.Join(append([]string{shellQuote(l.Binary())}, q...), " "),
		PIDFile:     l.PIDFile(),
		LogFile:     l.LogFile(),
		Script:      l.ServiceFile(init),
	}
}

// RenderService renders the file ServiceFile(init) holds: a systemd unit,
// or the init script (for sysv, and for none, which runs it from rc.local).
func RenderService(l Layout, init InitSystem, args []string) ([]byte, error) {
	text := templates.InitScript()
	if init == InitSystemd {
		text = templates.SystemdUnit()
	}
	return render(string(init), text, newServiceData(l, init, args))
}

// RenderRCLocalEntry renders the /etc/rc.local line for InitNone.
func RenderRCLocalEntry(l Layout) ([]byte, error) {
	return render("rc.local", templates.RCLocalEntry(), newServiceData(l, InitNone, nil))
}

// rcEntries are the rc.local lines, without their newline, of l's agent
// and of the other flavour's (which provisioning l retires).
func rcEntries(l Layout) (own, other string, err error) {
	o, err := RenderRCLocalEntry(l)
	if err != nil {
		return "", "", err
	}
	x, err := RenderRCLocalEntry(l.Other())
	if err != nil {
		return "", "", err
	}
	return strings.TrimRight(string(o), "\n"), strings.TrimRight(string(x), "\n"), nil
}

func render(name, text string, data any) ([]byte, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("parse %s template: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("render %s template: %w", name, err)
	}
	return b.Bytes(), nil
}

// shellQuote quotes s for POSIX sh (and systemd's ExecStart, which
// accepts the same single quotes) unless it is plainly safe.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
