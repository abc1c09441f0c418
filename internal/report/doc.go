// Package report holds a results report as data (headings, paragraphs,
// tables, figures, lists) and renders it twice: as Markdown (report.md)
// and as one self-contained HTML page (report.html) whose figures are
// inline SVG, with no script, no external style sheet, font or image, so
// that it reads offline in any browser. The HTML goes through
// html/template, which escapes every text; the SVG of a figure is the
// only markup passed through, and gonum/plot escapes the text it writes
// into it.
package report
