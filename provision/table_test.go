package provision

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriteTableSummaryOneNode(t *testing.T) {
	var out bytes.Buffer
	if err := WriteTable(&out, []Result{{Node: "web_4", Action: ActionUnchanged, Version: "0.1.0"}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if got, want := lines[len(lines)-1], "1 node: 1 unchanged"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}
