// Package plots draws the project's figures in one style with
// gonum.org/v1/plot: bench's convergence plots and chaos's timelines share
// its fonts, palette, grid, legend placement and image formats.
//
// A figure is a *plot.Plot (made with New) plus its size and optional
// marks. Draw renders it as PNG and SVG at once; the legend goes in a
// column of its own right of the data, so that it never covers a curve,
// and mark labels (the injection, p50, a scenario's steps) go in a band
// above the data. Image.Write saves <base>.png and <base>.svg atomically;
// Image.InlineSVG is the <svg> element alone, for an HTML page.
//
// Timeline draws one row per observer: the share of its subjects in each
// state (alive, suspect, failed ...) over time, stacked within the row.
// TimelineHeight sizes the figure so that 50-odd rows keep a label each;
// beyond about 80 rows the rows get thinner and only every k-th row is
// labelled. Rows with many state changes are painted into an image
// instead of one rectangle each, which keeps a 250-row SVG small.
//
// The package imports gonum/plot and internal/ only.
package plots
