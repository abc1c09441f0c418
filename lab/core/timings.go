package core

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/gossiplab/gossiplab/provision"
)

// Timings say where a session's time went: each phase's wall time, each
// provisioning step per node, and how often it read and wrote the state,
// asked the provider for the nodes' states and connected over SSH.
type Timings struct {
	mu     sync.Mutex
	phases []phaseTime
	steps  map[string]map[provision.Step]time.Time // node -> step -> when
}

// Counts are the session's round trips to what is slow or shared.
type Counts struct {
	StateReads, StateWrites, StatusCalls, SSHDials int
}

type phaseTime struct {
	name string
	took time.Duration
}

// phase records that phase name took d.
func (t *Timings) phase(name string, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.phases = append(t.phases, phaseTime{name, d})
}

// step records when node reached s.
func (t *Timings) step(node string, s provision.Step, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.steps == nil {
		t.steps = map[string]map[provision.Step]time.Time{}
	}
	if t.steps[node] == nil {
		t.steps[node] = map[provision.Step]time.Time{}
	}
	t.steps[node][s] = at
}

// stepSpans are the provisioning steps reported, each from the step
// before it (the install starts after the upload, or after the facts
// when nothing was uploaded).
var stepSpans = []struct {
	name     string
	from, to []provision.Step
}{
	{"  connect", []provision.Step{provision.StepStarted}, []provision.Step{provision.StepConnected}},
	{"  facts", []provision.Step{provision.StepConnected}, []provision.Step{provision.StepFacts}},
	{"  upload", []provision.Step{provision.StepFacts}, []provision.Step{provision.StepUploaded}},
	{"  install, start", []provision.Step{provision.StepUploaded, provision.StepFacts}, []provision.Step{provision.StepDone}},
}

// Write prints the timings as a table.
func (t *Timings) Write(w io.Writer, c Counts) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PHASE\tWALL\tPER NODE (MEAN / MAX)")
	for _, p := range t.phases {
		fmt.Fprintf(tw, "%s\t%s\t\n", p.name, p.took.Round(time.Millisecond))
		if p.name == "provision" {
			t.writeSteps(tw)
		}
	}
	fmt.Fprintf(tw, "state read %d, written %d; provider asked for node states %d; SSH connections %d\n",
		c.StateReads, c.StateWrites, c.StatusCalls, c.SSHDials)
	return tw.Flush()
}

func (t *Timings) writeSteps(w io.Writer) {
	for _, span := range stepSpans {
		var ds []time.Duration
		for _, at := range t.steps {
			to, ok := first(at, span.to)
			from, ok2 := first(at, span.from)
			if ok && ok2 && !to.Before(from) {
				ds = append(ds, to.Sub(from))
			}
		}
		if len(ds) == 0 {
			continue
		}
		var sum time.Duration
		for _, d := range ds {
			sum += d
		}
		fmt.Fprintf(w, "%s\t\t%s / %s (%d nodes)\n", span.name, (sum / time.Duration(len(ds))).Round(time.Millisecond), slices.Max(ds).Round(time.Millisecond), len(ds))
	}
}

// first is the time of the first of steps that at has.
func first(at map[provision.Step]time.Time, steps []provision.Step) (time.Time, bool) {
	for _, s := range steps {
		if t, ok := at[s]; ok {
			return t, true
		}
	}
	return time.Time{}, false
}
