package bench

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Summary is the content of summary.json.
type Summary struct {
	Name string `json:"name"`
	// Incomplete is set when the run was interrupted or a group failed:
	// some planned runs are missing.
	Incomplete  bool        `json:"incomplete"`
	Environment Environment `json:"environment"`
	Groups      []Group     `json:"groups"`
}

// Group is the summary of one backend, event and cluster size.
type Group struct {
	Backend   string `json:"backend"`
	Event     Event  `json:"event"`
	N         int    `json:"n"`
	Runs      int    `json:"runs"`
	Observers int    `json:"observers"` // samples over all runs
	// Percentiles in seconds: tP is the median over runs of the time by
	// which P% of the observers had learned the event; T0 is the median
	// over runs of the first observer's latency (for a crash, first-dead).
	// summary.json files written before T0 existed lack t0_s: it decodes
	// as "not reached", and `bench report` recomputes it from samples.csv.
	T0   Estimate `json:"t0_s"`
	T50  Estimate `json:"t50_s"`
	T95  Estimate `json:"t95_s"`
	T99  Estimate `json:"t99_s"`
	T100 Estimate `json:"t100_s"`
	// Coverage is the fraction of observer samples that learned the event
	// within the run's timeout.
	Coverage  float64    `json:"coverage"`
	Resources *Resources `json:"resources,omitempty"`
}

// Key returns the group's key.
func (g Group) Key() Key { return Key{g.Backend, g.Event, g.N} }

// Percentile returns the estimate for p in Percentiles.
func (g Group) Percentile(p float64) Estimate {
	switch p {
	case 0:
		return g.T0
	case 50:
		return g.T50
	case 95:
		return g.T95
	case 99:
		return g.T99
	default:
		return g.T100
	}
}

// Resources is what a group of runs cost the machine.
type Resources struct {
	Wall       Seconds `json:"wall_s"`
	CPU        Seconds `json:"cpu_s"`          // user+system time of the process during the runs
	PeakMemory int64   `json:"peak_rss_bytes"` // peak resident set size during the runs
}

// Seconds is a duration written to JSON as seconds.
type Seconds time.Duration

// MarshalJSON writes seconds with millisecond precision.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(time.Duration(s).Seconds(), 'f', 3, 64)), nil
}

// UnmarshalJSON reads seconds.
func (s *Seconds) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*s = Seconds(time.Duration(f * 1e9))
	return nil
}

// Environment records where and how a run was made.
type Environment struct {
	GoVersion string            `json:"go_version"`
	OS        string            `json:"os"`
	Arch      string            `json:"arch"`
	CPU       string            `json:"cpu"`
	CPUs      int               `json:"cpus"`
	Hostname  string            `json:"hostname"`
	Commit    string            `json:"commit"`
	Seed      uint64            `json:"seed"`
	Args      []string          `json:"args,omitempty"`
	Flags     map[string]string `json:"flags,omitempty"`
	Started   time.Time         `json:"started"`
	Finished  time.Time         `json:"finished"`
	// Lab is the lab the lab backend ran on, if it ran.
	Lab *LabInfo `json:"lab,omitempty"`
}

// Summarize computes the summary of samples. seed drives the bootstrap;
// resources, when non-nil, are attached to the matching groups.
func Summarize(samples []Sample, seed uint64, resources map[Key]Resources) []Group {
	var out []Group
	for _, g := range groupSamples(samples) {
		sg := Group{Backend: g.Backend, Event: g.Event, N: g.N, Runs: len(g.runs)}
		perRun := make([][]float64, len(Percentiles))
		learned := 0
		for _, run := range g.runs {
			lat := runLatencies(run)
			sg.Observers += len(lat)
			for _, s := range run {
				if s.Learned {
					learned += s.Weight()
				}
			}
			for i, p := range Percentiles {
				perRun[i] = append(perRun[i], nearestRank(lat, p))
			}
		}
		if sg.Observers > 0 {
			sg.Coverage = float64(learned) / float64(sg.Observers)
		}
		// One bootstrap stream per group, drawn in this order: t0 comes
		// last so that the intervals of the others are those computed
		// before t0 was reported.
		rng := seedFor(seed, g.Key)
		for _, e := range []struct {
			p   float64
			dst *Estimate
		}{{50, &sg.T50}, {95, &sg.T95}, {99, &sg.T99}, {100, &sg.T100}, {0, &sg.T0}} {
			*e.dst = medianWithCI(perRun[slices.Index(Percentiles, e.p)], rng)
		}
		if r, ok := resources[g.Key]; ok {
			sg.Resources = &r
		}
		out = append(out, sg)
	}
	return out
}

// EncodeSummary returns the JSON of s, indented.
func EncodeSummary(s Summary) ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode summary: %w", err)
	}
	return append(b, '\n'), nil
}

// DecodeSummary parses summary.json.
func DecodeSummary(b []byte) (Summary, error) {
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("decode summary: %w", err)
	}
	return s, nil
}
