package bench

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
)

// Results is everything a results directory is made from.
type Results struct {
	Name        string
	Incomplete  bool
	Environment Environment
	Samples     []Sample
	// Resources per group, measured while the runs went; optional.
	Resources map[Key]Resources
}

// Write writes samples.csv, summary.json, the plots, report.md and
// report.html into d. It can be called again with more samples (it is,
// after every group, so that an interrupted run keeps what finished).
func Write(d Dir, r Results) error {
	if err := atomicfile.WriteFile(d.Samples(), EncodeSamples(r.Samples), 0o644); err != nil {
		return err
	}
	return writeDerived(d, r)
}

// Checkpoint writes samples.csv and summary.json only: cheap enough to
// call after every group of runs.
func Checkpoint(d Dir, r Results) error {
	if err := atomicfile.WriteFile(d.Samples(), EncodeSamples(r.Samples), 0o644); err != nil {
		return err
	}
	_, err := writeSummary(d, r)
	return err
}

func writeSummary(d Dir, r Results) (Summary, error) {
	sum := Summary{
		Name:        r.Name,
		Incomplete:  r.Incomplete,
		Environment: r.Environment,
		Groups:      Summarize(r.Samples, r.Environment.Seed, r.Resources),
	}
	b, err := EncodeSummary(sum)
	if err != nil {
		return sum, err
	}
	return sum, atomicfile.WriteFile(d.Summary(), b, 0o644)
}

// writeDerived writes everything but samples.csv.
func writeDerived(d Dir, r Results) error {
	sum, err := writeSummary(d, r)
	if err != nil {
		return err
	}
	rows := Compare(sum.Groups)
	figs, err := writePlots(d, r.Samples, sum.Groups, rows)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(d.Report(), RenderReport(sum, rows, figs), 0o644); err != nil {
		return err
	}
	page, err := RenderHTML(sum, rows, figs)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(d.HTMLReport(), page, 0o644)
}

// Rebuild regenerates summary.json, the plots, report.md and report.html
// of d from its samples.csv. The name, environment and resource figures
// of an existing summary.json are kept (samples cannot carry them);
// statistics are recomputed.
func Rebuild(d Dir) error {
	f, err := os.Open(d.Samples())
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s has no %s\nhint: pass a directory made by `bench converge`", d.Path, SamplesFile)
		}
		return err
	}
	samples, err := DecodeSamples(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("read %s: %w", d.Samples(), err)
	}
	r := Results{Name: filepath.Base(d.Path), Samples: samples}
	if b, err := os.ReadFile(d.Summary()); err == nil {
		old, err := DecodeSummary(b)
		if err != nil {
			return fmt.Errorf("read %s: %w\nhint: move it away to rebuild from samples.csv alone", d.Summary(), err)
		}
		r.Name, r.Incomplete, r.Environment = old.Name, old.Incomplete, old.Environment
		r.Resources = map[Key]Resources{}
		for _, g := range old.Groups {
			if g.Resources != nil {
				r.Resources[g.Key()] = *g.Resources
			}
		}
	}
	return writeDerived(d, r)
}

// writePlots writes every figure and returns them in report order: per
// event and N the convergence curve and the latency CDF, then per event
// the time to converge against N (when the run has more than one N) and
// the models' error (when a model was compared).
func writePlots(d Dir, samples []Sample, sums []Group, rows []ErrorRow) ([]Figure, error) {
	groups := groupSamples(samples)
	st := style{}
	for _, g := range groups {
		if !slices.Contains(st.backends, g.Backend) {
			st.backends = append(st.backends, g.Backend)
		}
	}
	var figs []Figure
	save := func(f Figure, p *plot.Plot, err error) error {
		if err == nil {
			f.SVG, err = savePlot(d, f.Base, p)
		}
		if err != nil {
			return err
		}
		figs = append(figs, f)
		return nil
	}
	for _, gs := range byEventAndN(groups) {
		k := gs[0].Key
		p, err := curvePlot(gs, st)
		if err := save(Figure{Event: k.Event, Kind: "curve", Base: fmt.Sprintf("curve-%s-n%d", k.Event, k.N), Title: fmt.Sprintf("Convergence curve, %s, N=%d", k.Event, k.N),
			Caption: "% of observers informed against time: median over runs, band from p5 to p95."}, p, err); err != nil {
			return nil, err
		}
		p, err = cdfPlot(gs, st)
		if err := save(Figure{Event: k.Event, Kind: "cdf", Base: fmt.Sprintf("cdf-%s-n%d", k.Event, k.N), Title: fmt.Sprintf("Latency CDF, %s, N=%d", k.Event, k.N),
			Caption: "Per-observer latency, all runs pooled; a curve ending below 1 means some observers never learned."}, p, err); err != nil {
			return nil, err
		}
	}
	for _, ev := range Events {
		if sizes(sums, ev) > 1 {
			p, err := convergePlot(ev, sums, st)
			if err := save(Figure{Event: ev, Kind: "converge", Base: fmt.Sprintf("converge-vs-n-%s", ev), Title: fmt.Sprintf("Time to converge against N, %s", ev),
				Caption: "t100 (median over runs, bootstrap 95% interval) against cluster size."}, p, err); err != nil {
				return nil, err
			}
		}
		if !slices.ContainsFunc(rows, func(r ErrorRow) bool { return r.Event == ev && r.Error != nil }) {
			continue
		}
		p, err := errorPlot(ev, rows, st)
		if err := save(Figure{Event: ev, Kind: "error", Base: fmt.Sprintf("error-%s", ev), Title: fmt.Sprintf("Model error, %s", ev),
			Caption: "Model minus measurement per percentile; 0 is a perfect prediction."}, p, err); err != nil {
			return nil, err
		}
	}
	return figs, nil
}

// byEventAndN splits groups by event and N, in the order of Events, then N.
func byEventAndN(groups []group) [][]group {
	type evN struct {
		ev Event
		n  int
	}
	var order []evN
	by := map[evN][]group{}
	for _, g := range groups {
		k := evN{g.Event, g.N}
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], g)
	}
	slices.SortFunc(order, func(a, b evN) int {
		if c := slices.Index(Events, a.ev) - slices.Index(Events, b.ev); c != 0 {
			return c
		}
		return a.n - b.n
	})
	out := make([][]group, len(order))
	for i, k := range order {
		out[i] = by[k]
	}
	return out
}

// sizes counts the cluster sizes of ev's groups.
func sizes(sums []Group, ev Event) int {
	var ns []int
	for _, g := range sums {
		if g.Event == ev && !slices.Contains(ns, g.N) {
			ns = append(ns, g.N)
		}
	}
	return len(ns)
}
