package chaos

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/internal/report"
	"github.com/gossiplab/gossiplab/lab"
)

// Summary is the record of one measured step: what was done to which
// nodes, when, and what every observer saw. It is what summary.json
// holds and what --json prints.
type Summary struct {
	Lab          string `json:"lab"`
	Provider     string `json:"provider"`
	AgentProfile string `json:"agent_profile"`
	// Agent is the agent measured: labagent (times from its journal) or
	// serf (times of its log lines' arrival on the controller).
	Agent string   `json:"agent,omitempty"`
	Spec  lab.Spec `json:"spec"`

	Action    Action            `json:"action"`
	Command   string            `json:"command"`
	Targets   []string          `json:"targets"`
	Groups    [][]string        `json:"groups,omitempty"` // partition: the two sides
	Seed      *uint64           `json:"seed,omitempty"`
	Mechanism map[string]string `json:"mechanism,omitempty"` // network faults: node -> nft | agent

	Injected         time.Time `json:"injected"`
	InjectedUnixNano int64     `json:"injected_unix_nano"`
	TimeoutS         float64   `json:"timeout_s"`
	// Wait is how the wait was chosen, with the simulator's prediction of
	// the step beside the measurement.
	Wait     *WaitRecord `json:"wait,omitempty"`
	Outcomes []string    `json:"expected_outcomes,omitempty"`

	Observers int      `json:"observers"`
	Saw       int      `json:"saw"`
	FirstS    *float64 `json:"first_s"`
	P50S      *float64 `json:"p50_s"`
	P95S      *float64 `json:"p95_s"`
	P99S      *float64 `json:"p99_s"`
	LastS     *float64 `json:"last_s"`
	Never     []string `json:"never"`
	// Unreachable observers' journals could not be read.
	Unreachable []string `json:"unreachable,omitempty"`
	// SuspectP50S etc. summarise when observers first suspected a target,
	// where their journals record suspicion.
	Suspected   int      `json:"suspected"`
	SuspectP50S *float64 `json:"suspect_p50_s,omitempty"`
	SuspectLast *float64 `json:"suspect_last_s,omitempty"`

	SharedClock       bool    `json:"shared_clock"`
	ClockUncertaintyS float64 `json:"clock_uncertainty_s"`
	// Note says why nothing was measured, e.g. no survivor.
	Note string `json:"note,omitempty"`
	// Interrupted: Ctrl-C or SIGTERM ended the measurement MeasuredS
	// seconds after the injection, before the timeout.
	Interrupted bool    `json:"interrupted,omitempty"`
	MeasuredS   float64 `json:"measured_s,omitempty"`

	Observations []Observation `json:"observations"`
	Dir          string        `json:"record,omitempty"`
}

// NewSummary fills a summary from a lab, a request and its measurement.
func NewSummary(l *lab.Lab, provider string, shared bool, req Request, targets Picked, injected time.Time, timeout time.Duration, res Result) *Summary {
	s := &Summary{
		Lab: l.Spec.Name, Provider: provider, AgentProfile: l.Spec.Agent.Profile, Spec: l.Spec,
		Action: req.Action, Command: "lab chaos " + req.String(), Targets: targets.Nodes, Seed: targets.Seed,
		Injected: injected.UTC(), InjectedUnixNano: injected.UnixNano(), TimeoutS: timeout.Seconds(),
		Outcomes: req.Action.Outcomes(), Observers: len(res.Observations), Saw: res.Stats.N,
		Never: res.Never, Unreachable: res.Unreachable, Suspected: res.Suspect.N,
		SharedClock: shared, ClockUncertaintyS: res.ClockUncertainty.Seconds(),
		Observations: res.Observations,
	}
	if s.Never == nil {
		s.Never = []string{}
	}
	if s.Observations == nil {
		s.Observations = []Observation{}
	}
	if st := res.Stats; st.N > 0 {
		s.FirstS, s.P50S, s.P95S, s.P99S, s.LastS = seconds(st.First), seconds(st.P50), seconds(st.P95), seconds(st.P99), seconds(st.Last)
	}
	if st := res.Suspect; st.N > 0 {
		s.SuspectP50S, s.SuspectLast = seconds(st.P50), seconds(st.Last)
	}
	return s
}

// WaitRecord is a step's wait rule in its summary.
type WaitRecord struct {
	Rule  string  `json:"rule"`
	BaseS float64 `json:"base_s"`
	// QuietS: past the base, the wait went on while some subject was
	// newly noticed within this long; CapS bounds it.
	QuietS float64 `json:"quiet_s,omitempty"`
	CapS   float64 `json:"cap_s"`
	// Extended: observers kept noticing past the base (TimeoutS is then
	// the wait in effect when the step ended).
	Extended  bool        `json:"extended,omitempty"`
	Predicted *Prediction `json:"predicted,omitempty"`
}

// record is w in a summary: extended when timeout went past its base.
func (w Wait) record(timeout time.Duration) *WaitRecord {
	if w.Rule == "" {
		return nil
	}
	return &WaitRecord{Rule: w.Rule, BaseS: w.Base.Seconds(), QuietS: w.Quiet.Seconds(), CapS: w.Cap.Seconds(),
		Extended: timeout > w.Base, Predicted: w.Prediction}
}

// RecordTimeFormat names record directories: compact UTC, sortable.
const RecordTimeFormat = "20060102T150405Z"

// NewRecordDir makes a new directory results/chaos/<UTC time>-<name>
// under resultsDir and returns it. An existing record is never reused: a
// second one in the same second gets a -2, -3 ... suffix.
func NewRecordDir(resultsDir string, at time.Time, name string) (string, error) {
	parent := filepath.Join(resultsDir, "chaos")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("make results directory: %w", err)
	}
	base := filepath.Join(parent, at.UTC().Format(RecordTimeFormat)+"-"+name)
	for i := 1; i < 1000; i++ {
		dir := base
		if i > 1 {
			dir = base + "-" + strconv.Itoa(i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("make record directory: %w", err)
		}
	}
	return "", fmt.Errorf("make record directory %s: too many records in one second", base)
}

// WriteRecord writes a step's record into dir, each file atomically:
// latencies.csv, summary.json, timeline.png/.svg and cdf.png/.svg (when
// the step had observers) and report.html. It refuses to overwrite any.
// The figures come after the data: a figure that fails to draw costs the
// figures and the page, not the measurement.
func WriteRecord(dir string, s *Summary) error {
	s.Dir = dir
	if err := refuseExisting(dir, "latencies.csv", "summary.json", ReportFile, TimelineBase+".png", TimelineBase+".svg", CDFBase+".png", CDFBase+".svg"); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "latencies.csv"), LatenciesCSV(s.Observations), 0o644); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, "summary.json"), s); err != nil {
		return err
	}
	figs, err := stepFigures(s)
	if err != nil {
		return fmt.Errorf("write record figures: %w", err)
	}
	return writePage(dir, stepDoc(s, figs), figs)
}

// WriteRunRecord writes a scenario's combined record into its directory
// when the run ends, also after a failed step: summary.json (every
// step's summary), the scenario's timeline (when a step was measured)
// and report.html.
func WriteRunRecord(dir string, run *RunSummary) error {
	if err := writeJSON(filepath.Join(dir, "summary.json"), run); err != nil {
		return err
	}
	fig, err := runFigure(run)
	if err != nil {
		return fmt.Errorf("write scenario figure: %w", err)
	}
	var figs []figure
	if fig != nil {
		figs = append(figs, *fig)
	}
	return writePage(dir, runDoc(run, fig), figs)
}

func refuseExisting(dir string, names ...string) error {
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return hint.Errorf("records are never overwritten; use a new directory", "write record: %s already exists in %s", name, dir)
		}
	}
	return nil
}

func writeJSON(path string, v any) error {
	js, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	return atomicfile.WriteFile(path, append(js, '\n'), 0o644)
}

// writePage writes the figures' files and report.html.
func writePage(dir string, d report.Doc, figs []figure) error {
	for _, f := range figs {
		if err := f.image.Write(dir, f.base); err != nil {
			return err
		}
	}
	page, err := report.HTML(d)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, ReportFile), page, 0o644)
}

// LatenciesCSV renders one row per observer: node, outcome, latency_s
// (seconds, or never / unreachable), suspect_s (empty when not recorded),
// noticed and expected subjects, and the observer's clock uncertainty.
func LatenciesCSV(obs []Observation) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"node", "outcome", "latency_s", "suspect_s", "noticed", "expected", "clock_uncertainty_s"})
	for _, o := range obs {
		lat := o.Outcome
		if o.Saw {
			lat = strconv.FormatFloat(*o.LatencyS, 'f', 6, 64)
		}
		sus := ""
		if o.Suspected {
			sus = strconv.FormatFloat(*o.SuspectS, 'f', 6, 64)
		}
		_ = w.Write([]string{o.Node, o.Outcome, lat, sus, strconv.Itoa(o.Noticed), strconv.Itoa(o.Expected), strconv.FormatFloat(o.ClockErrorS, 'f', 6, 64)})
	}
	w.Flush()
	return b.Bytes()
}
