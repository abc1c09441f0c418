package bench

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

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

// Write writes samples.csv, summary.json, the plots and report.md into d.
// It can be called again with more samples (it is, after every group, so
// that an interrupted run keeps what finished).
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
	return atomicfile.WriteFile(d.Report(), RenderReport(sum, rows, figs), 0o644)
}

// Rebuild regenerates summary.json, the plots and report.md of d from its
// samples.csv. The name, environment and resource figures of an existing
// summary.json are kept (samples cannot carry them); statistics are
// recomputed.
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

// writePlots writes every figure and returns them in report order.
func writePlots(d Dir, samples []Sample, sums []Group, rows []ErrorRow) ([]Figure, error) {
	groups := groupSamples(samples)
	st := style{}
	for _, g := range groups {
		if !slices.Contains(st.backends, g.Backend) {
			st.backends = append(st.backends, g.Backend)
		}
	}
	type evN struct {
		ev Event
		n  int
	}
	var order []evN
	byEvN := map[evN][]group{}
	for _, g := range groups {
		k := evN{g.Event, g.N}
		if _, ok := byEvN[k]; !ok {
			order = append(order, k)
		}
		byEvN[k] = append(byEvN[k], g)
	}
	slices.SortFunc(order, func(a, b evN) int {
		if c := slices.Index(Events, a.ev) - slices.Index(Events, b.ev); c != 0 {
			return c
		}
		return a.n - b.n
	})
	var figs []Figure
	for _, k := range order {
		gs := byEvN[k]
		p, err := curvePlot(gs, st)
		if err != nil {
			return nil, err
		}
		f := Figure{Event: k.ev, Kind: "curve", Base: fmt.Sprintf("curve-%s-n%d", k.ev, k.n), Title: fmt.Sprintf("Convergence curve, %s, N=%d", k.ev, k.n),
			Caption: "% of observers informed against time: median over runs, band from p5 to p95."}
		if err := savePlot(d, f.Base, p); err != nil {
			return nil, err
		}
		figs = append(figs, f)
		if p, err = cdfPlot(gs, st); err != nil {
			return nil, err
		}
		f = Figure{Event: k.ev, Kind: "cdf", Base: fmt.Sprintf("cdf-%s-n%d", k.ev, k.n), Title: fmt.Sprintf("Latency CDF, %s, N=%d", k.ev, k.n),
			Caption: "Per-observer latency, all runs pooled; a curve ending below 1 means some observers never learned."}
		if err := savePlot(d, f.Base, p); err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	for _, ev := range Events {
		if !slices.ContainsFunc(sums, func(g Group) bool { return g.Event == ev }) {
			continue
		}
		p, err := convergePlot(ev, sums, st)
		if err != nil {
			return nil, err
		}
		f := Figure{Event: ev, Kind: "converge", Base: fmt.Sprintf("converge-vs-n-%s", ev), Title: fmt.Sprintf("Time to converge against N, %s", ev),
			Caption: "t100 (median over runs, bootstrap 95% interval) against cluster size."}
		if err := savePlot(d, f.Base, p); err != nil {
			return nil, err
		}
		figs = append(figs, f)
		if !slices.ContainsFunc(rows, func(r ErrorRow) bool { return r.Event == ev && r.Error != nil }) {
			continue
		}
		if p, err = errorPlot(ev, rows, st); err != nil {
			return nil, err
		}
		f = Figure{Event: ev, Kind: "error", Base: fmt.Sprintf("error-%s", ev), Title: fmt.Sprintf("Model error, %s", ev),
			Caption: "Model minus measurement per percentile; 0 is a perfect prediction."}
		if err := savePlot(d, f.Base, p); err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}
