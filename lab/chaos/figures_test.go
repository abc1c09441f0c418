package chaos

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/browsertest"
	"github.com/gossiplab/gossiplab/internal/golden"
	"github.com/gossiplab/gossiplab/lab"
)

// fixture builds a measured step from made-up journals: n nodes, the
// given action on targets (for a partition, the first half against the
// second), every observer's journal holding a join of each subject a
// minute before the injection, then, after the injection, a suspicion
// and the outcome per subject at seeded random times. The last observer
// never notices, the one before it is unreachable (when n > 4).
func fixture(t testing.TB, n int, act Action, targets []string) *Summary {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(n), 7))
	s, ms := time.Second, time.Millisecond
	var names []string
	for i := 1; i <= n; i++ {
		names = append(names, fmt.Sprintf("web_%d", i))
	}
	var expect []Expectation
	switch act {
	case ActPartition:
		expect = CrossSubjects(names[:n/2], names[n/2:])
	default:
		var observers []string
		for _, nm := range names {
			if !strings.Contains(","+strings.Join(targets, ",")+",", ","+nm+",") {
				observers = append(observers, nm)
			}
		}
		expect = SameSubjects(observers, targets)
	}
	journals := map[string][]Entry{}
	for k, ex := range expect {
		if n > 4 && k == len(expect)-2 {
			continue // unreachable
		}
		var j []Entry
		add := func(at time.Duration, typ, node string) {
			j = append(j, ent(uint64(len(j)+1), at, typ, node))
		}
		for _, subj := range ex.Subjects {
			add(-time.Minute, EventJoin, subj)
		}
		for _, subj := range ex.Subjects {
			never := n > 4 && k == len(expect)-1
			switch act.Expects() {
			case ExpectDown:
				sus := 500*ms + time.Duration(r.IntN(2500))*ms
				add(sus, EventSuspect, subj)
				if !never {
					add(sus+4*s+time.Duration(r.IntN(1500))*ms, EventFailed, subj)
				}
			case ExpectUp:
				add(time.Duration(r.IntN(3000))*ms, EventFailed, subj)
				if !never {
					add(12*s+time.Duration(r.IntN(2000))*ms, EventJoin, subj)
				}
			case ExpectUser:
				if !never {
					add(time.Duration(50+r.IntN(400))*ms, EventUser, subj)
				}
			}
		}
		journals[ex.Observer] = j
	}
	timeout := 31 * s
	res := Measure(MeasureInput{Injected: t0, Timeout: timeout, Outcomes: act.Outcomes(), Expect: expect, Journals: journals})
	args := targets
	if act == ActPartition {
		args = []string{strings.Join(names[:n/2], ","), strings.Join(names[n/2:], ",")}
	}
	req, err := ParseRequest(string(act), args, Flags{Scope: "all", Ports: "7946", Mechanism: "auto"}, false)
	if err != nil {
		t.Fatal(err)
	}
	sum := NewSummary(fixtureLab(t, n), "netns", true, req, Picked{Nodes: targets}, t0, timeout, res)
	if act == ActPartition {
		sum.Groups = [][]string{names[:n/2], names[n/2:]}
		sum.Command = fmt.Sprintf("lab chaos partition 'web_[1-%d]' 'web_[%d-%d]'", n/2, n/2+1, n)
	}
	return sum
}

// fixtureLab is a netns lab of n nodes, up to 1000.
func fixtureLab(t testing.TB, n int) *lab.Lab {
	t.Helper()
	s := lab.DefaultSpec()
	s.Provider = lab.ProviderNetns
	s.Nodes = n
	s.Subnet = netip.MustParsePrefix("10.213.72.0/22")
	if errs := s.Validate(); len(errs) > 0 {
		t.Fatalf("test spec: %v", errs)
	}
	return lab.New(t.TempDir(), s)
}

// labelsIn returns the row labels (node names) that an SVG writes.
func labelsIn(svg []byte) []string {
	var out []string
	for _, m := range regexp.MustCompile(`>(web_\d+)</text>`).FindAllSubmatch(svg, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// share is the fraction of img's pixels of exactly colour c.
func share(img image.Image, c color.Color) float64 {
	r0, g0, b0, _ := c.RGBA()
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r>>8 == r0>>8 && g>>8 == g0>>8 && bl>>8 == b0>>8 {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

func TestStepFigures(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		act       Action
		targets   []string
		labels    int   // row labels in the timeline's SVG
		states    []int // states the timeline shows
		maxSVGKiB int
	}{
		{name: "halt, 52 nodes: a label per observer", n: 52, act: ActHalt, targets: []string{"web_3"}, labels: 51,
			states: []int{stateAlive, stateSuspect, stateFailed, stateNoJournal}, maxSVGKiB: 200},
		{name: "reload, 5 nodes", n: 5, act: ActReload, targets: []string{"web_2"}, labels: 4,
			states: []int{stateAlive, stateFailed, stateNoJournal}, maxSVGKiB: 100},
		{name: "event, 10 nodes", n: 10, act: ActEvent, targets: []string{"web_1"}, labels: 9,
			states: []int{stateUnknown, stateReceived, stateNoJournal}, maxSVGKiB: 100},
		{name: "partition, 52 nodes: 26 subjects per row", n: 52, act: ActPartition, labels: 52,
			states: []int{stateAlive, stateSuspect, stateFailed, stateNoJournal}, maxSVGKiB: 400},
		{name: "partition, 250 nodes: thin rows, every third labelled, painted", n: 250, act: ActPartition, labels: 84,
			states: []int{stateAlive, stateSuspect, stateFailed, stateNoJournal}, maxSVGKiB: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixture(t, tt.n, tt.act, tt.targets)
			figs, err := stepFigures(s)
			if err != nil {
				t.Fatal(err)
			}
			if len(figs) != 2 || figs[0].base != TimelineBase || figs[1].base != CDFBase {
				t.Fatalf("figures: %+v", figs)
			}
			tl := figs[0].image
			if got := labelsIn(tl.SVG); len(got) != tt.labels {
				t.Errorf("timeline labels %d rows, want %d: %v", len(got), tt.labels, got)
			}
			if kib := len(tl.SVG) >> 10; kib > tt.maxSVGKiB {
				t.Errorf("timeline.svg is %d KiB, want at most %d", kib, tt.maxSVGKiB)
			}
			img, err := png.Decode(bytes.NewReader(tl.PNG))
			if err != nil {
				t.Fatal(err)
			}
			b := img.Bounds()
			rows := len(s.Observations)
			if rows != tt.n && rows != tt.n-len(tt.targets) {
				t.Fatalf("%d observers", rows)
			}
			if b.Dx() != 768 {
				t.Errorf("timeline is %d pixels wide, want 768 (8 in at 96 dpi)", b.Dx())
			}
			if minH := min(rows*11, 900) * 96 / 72; b.Dy() < minH {
				t.Errorf("timeline is %d pixels high, want at least %d for %d rows", b.Dy(), minH, rows)
			}
			// Each state it should show covers some of the picture, and
			// the rows cover most of it.
			states, total := timelineStates(), 0.0
			for _, st := range tt.states {
				f := share(img, states[st].Color)
				if f < 0.002 {
					t.Errorf("timeline shows %q on %.2f%% of its pixels", states[st].Name, 100*f)
				}
				total += f
			}
			if total < 0.4 {
				t.Errorf("rows cover %.0f%% of the timeline", 100*total)
			}
			cdf, err := png.Decode(bytes.NewReader(figs[1].image.PNG))
			if err != nil {
				t.Fatal(err)
			}
			if v := browsertest.Variance(cdf, cdf.Bounds()); v < 0.001 {
				t.Errorf("cdf looks blank: variance %.4f", v)
			}
		})
	}
}

// A step without observers (a fault removed as the command ended) has
// no figures and its page says why.
func TestStepWithoutObservers(t *testing.T) {
	req, err := ParseRequest("loss", []string{"30", "web_1"}, Flags{Scope: "all", Ports: "7946", Mechanism: "auto"}, false)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSummary(testLab(t, 3), "netns", true, req, Picked{Nodes: []string{"web_1"}}, t0, time.Second, Result{})
	s.Note = "nothing to measure"
	dir := t.TempDir()
	if err := WriteRecord(dir, s); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "timeline.png")); err == nil {
		t.Error("a timeline without observers")
	}
	page, err := os.ReadFile(filepath.Join(dir, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(page, []byte("<svg")) || !bytes.Contains(page, []byte("nothing to measure")) {
		t.Errorf("page:\n%s", page)
	}
}

// stripSVG replaces every inline figure by a placeholder: what remains is
// the page's structure and text.
func stripSVG(page []byte) []byte {
	return regexp.MustCompile(`(?s)<svg.*?</svg>`).ReplaceAll(page, []byte("<svg>…</svg>"))
}

func TestStepPageGolden(t *testing.T) {
	dir := t.TempDir()
	s := sampleSummary(t)
	if err := WriteRecord(dir, s); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(page, []byte("<svg")); n != 2 {
		t.Errorf("%d inline figures, want 2", n)
	}
	golden.Check(t, "record/report.html", stripSVG(page))
}

func TestRunFigure(t *testing.T) {
	halt := fixture(t, 12, ActHalt, []string{"web_3"})
	reload := fixture(t, 12, ActReload, []string{"web_3"})
	reload.Injected = t0.Add(40 * time.Second)
	for i := range reload.Observations {
		for k := range reload.Observations[i].Transitions {
			reload.Observations[i].Transitions[k].AtS -= 40 // its journals were made at t0 too
		}
	}
	run := &RunSummary{Scenario: "demo.chaos", Seed: 7, Started: t0, Steps: []RunStep{
		{Line: 1, Command: "halt web_3", Summary: halt},
		{Line: 2, Command: "wait 5s", WaitedS: seconds(5 * time.Second)},
		{Line: 3, Command: "reload web_3", Summary: reload},
	}}
	dir := t.TempDir()
	if err := WriteRunRecord(dir, run); err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(filepath.Join(dir, "timeline.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if got := labelsIn(svg); len(got) != 11 || got[0] != "web_1" || got[10] != "web_12" {
		t.Errorf("rows %v, want web_1 .. web_12 but web_3, in that order", got)
	}
	for _, mark := range []string{">1 halt<", ">3 reload<"} {
		if !bytes.Contains(svg, []byte(mark)) {
			t.Errorf("timeline lacks the step mark %q", mark)
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"01-halt", "03-reload", "waited 5.000s", "Scenario demo.chaos"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestReportHTMLInChromium opens a step's report.html in headless
// Chromium (needs chromium; CI installs it): the timeline and the CDF
// render, nothing is loaded from elsewhere, nothing is logged.
func TestReportHTMLInChromium(t *testing.T) {
	dir := t.TempDir()
	if err := WriteRecord(dir, fixture(t, 52, ActHalt, []string{"web_3"})); err != nil {
		t.Fatal(err)
	}
	page := browsertest.Open(t, filepath.Join(dir, ReportFile), 1200, 2400)
	browsertest.CheckReport(t, page, 2)
	if !strings.Contains(page.DOM, "<td>web_52</td><td>never</td>") {
		t.Error("the observers table lacks web_52, which never noticed")
	}
}
