package bench

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/browsertest"
)

// TestReportHTMLInChromium opens the report.html of a run with one event
// and one N in headless Chromium (needs chromium; CI installs it): its
// three figures (curve, CDF, model error; no time-against-N plot for a
// single N) render, nothing is loaded from elsewhere, nothing is logged.
func TestReportHTMLInChromium(t *testing.T) {
	ms := time.Millisecond
	r := Results{Name: "one-n", Environment: Environment{GoVersion: "go1.26.8", Commit: "abc", Seed: 7, Args: []string{"bench", "converge"}}}
	r.Samples = append(synthetic(BackendMemberlist, EventJoin, 21, 5, 20, 0, 15*ms, 20*ms), synthetic(BackendSim, EventJoin, 21, 5, 20, 0, 16*ms, 10*ms)...)
	d := Dir{Path: t.TempDir()}
	if err := Write(d, r); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d.File("converge-vs-n-join.png")); err == nil {
		t.Error("a time-against-N plot for a single N")
	}
	md, err := os.ReadFile(d.Report())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(md), "converge-vs-n") {
		t.Error("report.md refers to a time-against-N plot it does not have")
	}
	page := browsertest.Open(t, d.HTMLReport(), 1200, 3200)
	browsertest.CheckReport(t, page, 3)
}
