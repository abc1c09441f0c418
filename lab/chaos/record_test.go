package chaos

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/golden"
	"github.com/gossiplab/gossiplab/internal/hint"
)

func sampleSummary(t *testing.T) *Summary {
	t.Helper()
	l := testLab(t, 5)
	s := time.Second
	res := Measure(MeasureInput{Injected: t0, Timeout: 31 * s, Outcomes: ActHalt.Outcomes(),
		Expect: SameSubjects([]string{"web_1", "web_2", "web_4", "web_5"}, []string{"web_3"}),
		Journals: map[string][]Entry{
			"web_1": {ent(1, 2*s, EventSuspect, "web_3"), ent(2, 6812*time.Millisecond, EventFailed, "web_3")},
			"web_2": {ent(1, 7250*time.Millisecond, EventFailed, "web_3")},
			"web_4": {},
		}})
	req, err := ParseRequest("halt", []string{"web_3"}, Flags{Scope: "all", Ports: "7946", Mechanism: "auto"}, false)
	if err != nil {
		t.Fatal(err)
	}
	return NewSummary(l, "netns", true, req, Picked{Nodes: []string{"web_3"}}, t0, 31*s, res)
}

func TestRecordGolden(t *testing.T) {
	sum := sampleSummary(t)
	results := t.TempDir()
	dir, err := NewRecordDir(results, t0, "halt")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(results, "chaos", "20261127T120000Z-halt"); dir != want {
		t.Errorf("dir = %s, want %s", dir, want)
	}
	if err := WriteRecord(dir, sum); err != nil {
		t.Fatal(err)
	}
	csvData, err := os.ReadFile(filepath.Join(dir, "latencies.csv"))
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "record/latencies.csv", csvData)
	js, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The record path differs per run: compare without it.
	golden.Check(t, "record/summary.json", bytes.ReplaceAll(js, []byte(dir), []byte("RECORD")))
	var back Summary
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatalf("summary.json does not read back: %v", err)
	}
	if back.Saw != 2 || *back.P50S != 6.812 || back.Never[0] != "web_4" {
		t.Errorf("read back: %+v", back)
	}
	sum.Dir = "results/chaos/20261127T120000Z-halt"
	var tbl bytes.Buffer
	if err := WriteTable(&tbl, sum); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "record/table.txt", tbl.Bytes())

	// Never overwritten: the same second gets a new directory, and writing
	// into a used one is refused.
	dir2, err := NewRecordDir(results, t0, "halt")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(dir2, "-halt-2") {
		t.Errorf("second record in the same second: %s", dir2)
	}
	if err := WriteRecord(dir, sum); err == nil || !strings.Contains(hint.Text(err), "never overwritten") {
		t.Errorf("rewriting a record: err = %v", err)
	}
}
