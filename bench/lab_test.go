package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/chaos"
	"github.com/gossiplab/gossiplab/lab/core"
	"github.com/gossiplab/gossiplab/provision"
)

// fakeLab stands in for a running lab as chaos reaches it: a provider
// (every node running), agents with journals, and a shell that answers
// the commands chaos runs. Its clock advances ten seconds per reading and
// web_i records a change i seconds after it happened, so latencies are
// exact. (A reading moves the clock further than the slowest observer,
// so that what a run's observers record is before the next injection.)
type fakeLab struct {
	l  *lab.Lab
	mu sync.Mutex

	clock  time.Time
	halted map[string]bool
	// skew is every node's clock minus the controller's; set, the provider
	// does not share the host's clock (VMs).
	skew     time.Duration
	agentUp  map[string]bool
	journals map[string][]chaos.Entry
	deaf     map[string]bool // observers that never notice
	agent    chaos.AgentCLI
	log      []string
	// onInject, when set, runs after a kill or stop (e.g. Ctrl-C).
	onInject func()
	// nft is each node's chaos table as the last `nft -f -` left it.
	nft map[string]string
}

func newFakeLab(t *testing.T, n int) *fakeLab {
	t.Helper()
	s := lab.DefaultSpec()
	s.Provider = lab.ProviderNetns
	s.Nodes = n
	s.Subnet = netip.MustParsePrefix("10.213.78.0/24")
	if errs := s.Validate(); len(errs) > 0 {
		t.Fatalf("test spec: %v", errs)
	}
	f := &fakeLab{l: lab.New(t.TempDir(), s), clock: time.Unix(1_800_000_000, 0), agentUp: map[string]bool{}, halted: map[string]bool{},
		journals: map[string][]chaos.Entry{}, deaf: map[string]bool{}, nft: map[string]string{}}
	for _, name := range f.l.NodeNames() {
		f.agentUp[name] = true
	}
	return f
}

func (f *fakeLab) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = f.clock.Add(10 * time.Second)
	return f.clock
}

// notice makes every other agent that runs (but the deaf) record typ for
// subject, web_i after i seconds. Call with mu held.
func (f *fakeLab) notice(typ, subject string) {
	for _, n := range f.l.Nodes {
		o := n.Name
		if o == subject || !f.agentUp[o] || f.deaf[o] {
			continue
		}
		j := f.journals[o]
		at := f.clock.Add(f.skew + time.Duration(n.Index)*time.Second)
		f.journals[o] = append(j, chaos.Entry{Entry: rpc.Entry{Seq: uint64(len(j) + 1), UnixNano: at.UnixNano(), Type: typ, Node: subject}})
	}
}

func (f *fakeLab) Info() lab.ProviderInfo {
	return lab.ProviderInfo{Name: "fake", SharedClock: f.skew == 0}
}

func (f *fakeLab) Halt(context.Context, *lab.Lab, []string, bool) error {
	return errors.New("fake lab: halt is not expected")
}

func (f *fakeLab) Reload(context.Context, *lab.Lab, []string) error {
	return errors.New("fake lab: reload is not expected")
}

func (f *fakeLab) Up(context.Context, *lab.Lab, []string, lab.UpOptions) error {
	return errors.New("fake lab: up is not expected")
}

func (f *fakeLab) Status(context.Context, *lab.Lab) ([]lab.NodeStatus, error) {
	var out []lab.NodeStatus
	for _, n := range f.l.NodeNames() {
		st := lab.StateRunning
		if f.halted[n] {
			st = lab.StateHalted
		}
		out = append(out, lab.NodeStatus{Node: n, State: st})
	}
	return out, nil
}

func (f *fakeLab) Run(_ context.Context, node, cmd string, stdin []byte) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	journalCmd := f.agent.Cmd("journal", "-format", "json")
	switch {
	case strings.Contains(cmd, "command -v nft"): // chaos asking whether nft works
		return []byte("nft\n"), nil
	case cmd == "nft -f -":
		if string(stdin) == chaos.RenderHeal() {
			delete(f.nft, node)
		} else {
			f.nft[node] = string(stdin)
		}
		return nil, nil
	case cmd == f.agent.Cmd("fault", "-clear"):
		return nil, nil
	case strings.HasPrefix(cmd, journalCmd):
		if !f.agentUp[node] {
			return nil, fmt.Errorf("agent on %s: connection refused", node)
		}
		var since uint64
		if rest := strings.TrimPrefix(cmd, journalCmd+" -since "); rest != cmd {
			since, _ = strconv.ParseUint(rest, 10, 64)
		}
		var out []string
		for _, e := range f.journals[node] {
			if e.Seq > since {
				b, _ := json.Marshal(e)
				out = append(out, string(b))
			}
		}
		return []byte(strings.Join(out, "\n")), nil
	case cmd == f.agent.Cmd("members", "-format", "json"):
		if !f.agentUp[node] {
			return nil, fmt.Errorf("agent on %s: connection refused", node)
		}
		var res struct {
			Members []provision.Member `json:"members"`
		}
		for _, n := range f.l.NodeNames() {
			st := "alive"
			if !f.agentUp[n] {
				st = "failed"
			}
			res.Members = append(res.Members, provision.Member{Name: n, Status: st})
		}
		return json.Marshal(res)
	case cmd == f.agent.KillScript(), cmd == f.agent.StopScript():
		if !f.agentUp[node] {
			return nil, fmt.Errorf("labagent is not running")
		}
		f.agentUp[node] = false
		typ := chaos.EventFailed
		if cmd == f.agent.StopScript() {
			typ = chaos.EventLeave
		}
		f.notice(typ, node)
		f.log = append(f.log, node+": "+strings.TrimPrefix(typ, "member-"))
		if f.onInject != nil {
			f.onInject()
		}
		return nil, nil
	case cmd == "true": // chaos reaching the target before the injection
		return nil, nil
	case cmd == "date +%s%N":
		return []byte(strconv.FormatInt(f.clock.Add(f.skew).UnixNano(), 10) + "\n"), nil
	case cmd == f.agent.Cmd("event", chaos.UserEventName):
		f.notice(chaos.EventUser, node)
		f.log = append(f.log, node+": user")
		return nil, nil
	case cmd == f.agent.StartScript():
		if !f.agentUp[node] {
			f.agentUp[node] = true
			f.notice(chaos.EventJoin, node)
		}
		f.log = append(f.log, node+": start")
		return nil, nil
	}
	return nil, fmt.Errorf("fake lab: unexpected command on %s: %.60q", node, cmd)
}

// backend returns the lab backend attached to the fake.
func (f *fakeLab) backend() *Lab {
	b := NewLab(nil, nil)
	b.poll = time.Millisecond
	b.attach(f.l, f, f).engine.Now = f.now
	return b
}

func TestLabRun(t *testing.T) {
	tests := []struct {
		name  string
		event Event
		// what each run does to its node, in order
		steps []string
	}{
		{"fail kills the agent and starts it again", EventFail, []string{"failed", "start"}},
		{"leave stops the agent and starts it again", EventLeave, []string{"leave", "start"}},
		{"join stops the agent, then measures its start", EventJoin, []string{"leave", "start"}},
		{"user sends an event from the node", EventUser, []string{"user"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeLab(t, 5)
			b := f.backend()
			var got []Sample
			runs := 0
			err := b.Run(context.Background(), Spec{Event: tt.event, N: 5, Runs: 3, Seed: 7}, func(run int, s []Sample) {
				if run != runs {
					t.Errorf("run %d reported as %d", runs, run)
				}
				runs++
				got = append(got, s...)
			})
			if err != nil {
				t.Fatal(err)
			}
			// Each run: one node, its steps; every observer learned the
			// event i seconds after the injection (web_i).
			var wantLog []string
			var want []Sample
			for run := range 3 {
				node := pickedNode(f.l, 7, run)
				for _, s := range tt.steps {
					wantLog = append(wantLog, node+": "+s)
				}
				for _, n := range f.l.Nodes {
					if n.Name == node {
						continue
					}
					want = append(want, Sample{Backend: BackendLab, N: 5, Run: run, Observer: n.Name, Event: tt.event,
						Latency: time.Duration(n.Index) * time.Second, Learned: true})
				}
			}
			if diff := cmp.Diff(wantLog, f.log); diff != "" {
				t.Errorf("commands (-want +got):\n%s", diff)
			}
			for i := range got {
				if got[i].Timeout <= 0 {
					t.Errorf("sample %d has no timeout", i)
				}
				got[i].Timeout = 0
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("samples (-want +got):\n%s", diff)
			}
			for n, up := range f.agentUp {
				if !up {
					t.Errorf("agent of %s left down", n)
				}
			}
		})
	}
}

// pickedNode is the node run picks with seed (the backend's draw).
func pickedNode(l *lab.Lab, seed uint64, run int) string { return pickNode(l.NodeNames(), seed, run) }

// TestLabRunSkewedClocks is the VM case: the nodes' clocks are an hour
// ahead. Each offset is estimated over a round trip of 10 s (the fake's
// clock), so latencies are good to within 5 s, which summary.json says.
func TestLabRunSkewedClocks(t *testing.T) {
	f := newFakeLab(t, 4)
	f.skew = time.Hour
	b := f.backend()
	var got []Sample
	err := b.Run(context.Background(), Spec{Event: EventFail, N: 4, Runs: 2, Seed: 1}, func(_ int, s []Sample) { got = append(got, s...) })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 {
		t.Fatalf("%d samples, want 3 observers in 2 runs", len(got))
	}
	for _, s := range got {
		n, _ := f.l.Node(s.Observer)
		if d := s.Latency - time.Duration(n.Index)*time.Second; !s.Learned || d < -5*time.Second || d > 5*time.Second {
			t.Errorf("%s: latency %s (learned %v), want %ds within 5s", s.Observer, s.Latency, s.Learned, n.Index)
		}
	}
	if info := b.att.info; info.SharedClock || info.ClockUncertainty != Seconds(5*time.Second) {
		t.Errorf("info: shared clock %v, uncertainty %s; want false, 5s", info.SharedClock, time.Duration(info.ClockUncertainty))
	}
}

func TestLabRunObserverNeverLearns(t *testing.T) {
	f := newFakeLab(t, 4)
	b := f.backend()
	node := pickedNode(f.l, 1, 0)
	deaf := "web_1"
	if node == deaf {
		deaf = "web_2"
	}
	f.deaf[deaf] = true
	var got []Sample
	err := b.Run(context.Background(), Spec{Event: EventFail, N: 4, Runs: 1, Seed: 1, Timeout: 20 * time.Second}, func(_ int, s []Sample) { got = append(got, s...) })
	if err != nil {
		t.Fatal(err)
	}
	var never []string
	for _, s := range got {
		if !s.Learned {
			never = append(never, s.Observer)
		}
		if s.Timeout != 20*time.Second {
			t.Errorf("%s: timeout %s, want 20s", s.Observer, s.Timeout)
		}
	}
	if diff := cmp.Diff([]string{deaf}, never); diff != "" {
		t.Errorf("observers that never learned (-want +got):\n%s", diff)
	}
}

func TestLabRunInterruptedRestoresTheNode(t *testing.T) {
	f := newFakeLab(t, 4)
	b := f.backend()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.onInject = cancel
	for _, n := range f.l.NodeNames() {
		f.deaf[n] = true // nobody notices: the run waits until Ctrl-C
	}
	calls := 0
	err := b.Run(ctx, Spec{Event: EventFail, N: 4, Runs: 2, Seed: 3}, func(int, []Sample) { calls++ })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if calls != 0 {
		t.Errorf("an interrupted run reported %d times", calls)
	}
	node := pickedNode(f.l, 3, 0)
	if diff := cmp.Diff([]string{node + ": failed", node + ": start"}, f.log); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
}

// TestLabRunLoss: with --loss every node drops that share of the gossip
// port's UDP for the whole of Run (nft rules are in place at each
// injection), and Run heals it when it returns, also when interrupted.
func TestLabRunLoss(t *testing.T) {
	for _, interrupted := range []bool{false, true} {
		t.Run(fmt.Sprintf("interrupted=%v", interrupted), func(t *testing.T) {
			f := newFakeLab(t, 4)
			b := f.backend()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			injections := 0
			f.onInject = func() { // mu is held
				injections++
				for _, n := range f.l.NodeNames() {
					if r := f.nft[n]; !strings.Contains(r, "udp dport 7946 goto loss_roll") || !strings.Contains(r, "numgen random mod 1000 < 125 drop") {
						t.Errorf("injection %d: %s's chaos table is %q, want 12.5%% loss on udp 7946", injections, n, r)
					}
				}
				if interrupted {
					cancel()
				}
			}
			if interrupted { // nobody notices: the run waits until Ctrl-C
				for _, n := range f.l.NodeNames() {
					f.deaf[n] = true
				}
			}
			spec := Spec{Event: EventFail, N: 4, Runs: 2, Seed: 5, Profile: Profile{Name: "lan", Loss: 0.125}}
			err := b.Run(ctx, spec, func(int, []Sample) {})
			switch {
			case interrupted && !errors.Is(err, context.Canceled):
				t.Fatalf("err = %v, want context.Canceled", err)
			case !interrupted && err != nil:
				t.Fatal(err)
			}
			if want := map[bool]int{false: 2, true: 1}[interrupted]; injections != want {
				t.Errorf("%d injections, want %d", injections, want)
			}
			if len(f.nft) != 0 {
				t.Errorf("chaos tables left after Run: %v", slices.Collect(maps.Keys(f.nft)))
			}
			if info := b.att.info; info.Loss != 0.125 || info.LossMechanism != "nft" {
				t.Errorf("info loss %v by %q, want 0.125 by nft", info.Loss, info.LossMechanism)
			}
		})
	}
}

func TestLabRunRefuses(t *testing.T) {
	tests := []struct {
		name string
		b    func(f *fakeLab) *Lab
		spec Spec
		want string
	}{
		{"another size", (*fakeLab).backend, Spec{Event: EventFail, N: 10, Runs: 1}, "hint: omit --nodes with --backend lab, or pass --nodes 4"},
		{"not attached", func(*fakeLab) *Lab { return NewLab(nil, nil) }, Spec{Event: EventFail, N: 4, Runs: 1}, "hint: bench converge --backend lab --lab-dir DIR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeLab(t, 4)
			err := tt.b(f).Run(context.Background(), tt.spec, func(int, []Sample) { t.Error("a run was reported") })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
			if len(f.log) > 0 {
				t.Errorf("the lab was touched: %v", f.log)
			}
		})
	}
}

// fakeProviders is a provider registry holding the fake lab's machines.
type fakeProviders struct{ p lab.Provider }

func (r fakeProviders) Get(name string) (lab.Provider, error) {
	if r.p == nil || name != lab.ProviderNetns {
		return nil, fmt.Errorf("unknown provider %q", name)
	}
	return r.p, nil
}

// fakeProvider adds what lab.Provider has beyond chaos.Machines.
type fakeProvider struct{ *fakeLab }

func (fakeProvider) Check(context.Context) error             { return nil }
func (fakeProvider) Destroy(context.Context, *lab.Lab) error { return nil }
func (fakeProvider) SSHEndpoints(context.Context, *lab.Lab, []string) ([]lab.SSHEndpoint, error) {
	return nil, errors.New("fake lab: no ssh")
}

func TestLabAttach(t *testing.T) {
	f := newFakeLab(t, 3)
	src, err := lab.RenderLabFile(f.l.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.l.Paths.LabFile(), src, 0o644); err != nil {
		t.Fatal(err)
	}
	connect := func(*core.Lab) chaos.Shell { return f }
	tests := []struct {
		name   string
		dir    string
		prov   LabProviders
		halted string
		want   string // error; empty: attaches
	}{
		{"attaches", f.l.Paths.Dir, fakeProviders{fakeProvider{f}}, "", ""},
		{"a node is halted", f.l.Paths.Dir, fakeProviders{fakeProvider{f}}, "web_2", "web_2 not running\nhint: boot them first (lab up, or lab chaos up web_2)"},
		{"no lab here", t.TempDir(), fakeProviders{fakeProvider{f}}, "", "no lab.hcl)\nhint: run lab up --nodes N there to make one, or pass --lab-dir"},
		{"provider missing", f.l.Paths.Dir, fakeProviders{}, "", `uses provider "netns", which this bench binary lacks`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.halted = map[string]bool{tt.halted: tt.halted != ""}
			b := NewLab(tt.prov, nil)
			b.connect = connect
			att, err := b.Attach(context.Background(), tt.dir)
			if tt.want != "" {
				if err == nil || !strings.Contains(hint.Text(err), tt.want) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.want)
				}
				// A refused lab is not left locked.
				lock, err := lab.AcquireLock(f.l.Paths, "test")
				if err != nil {
					t.Fatalf("lock after a refused Attach: %v", err)
				}
				lock.Release()
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := &LabInfo{Dir: f.l.Paths.Dir, Name: f.l.Spec.Name, Provider: "fake", AgentProfile: "lan", Agent: "labagent", Nodes: 3, SharedClock: true}
			if diff := cmp.Diff(want, att.Info); diff != "" {
				t.Errorf("info (-want +got):\n%s", diff)
			}
			if att.Nodes != 3 || att.Profile != "lan" {
				t.Errorf("attached %d nodes, profile %q; want 3, lan", att.Nodes, att.Profile)
			}
			// The lab is locked until Detach.
			if _, err := lab.AcquireLock(f.l.Paths, "test"); !errors.Is(err, lab.ErrLocked) {
				t.Errorf("lock while attached: %v, want ErrLocked", err)
			}
			if err := errors.Join(att.Detach(), att.Detach()); err != nil {
				t.Fatal(err)
			}
			lock, err := lab.AcquireLock(f.l.Paths, "test")
			if err != nil {
				t.Fatalf("lock after Detach: %v", err)
			}
			lock.Release()
			if !slices.Equal(f.log, nil) {
				t.Errorf("attaching touched the lab: %v", f.log)
			}
		})
	}
}
