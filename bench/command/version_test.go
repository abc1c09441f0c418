package command

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/buildinfo"
)

// TestVersion: bench version prints the build, --json the same fields,
// --version the version alone; completion is listed for users to find.
func TestVersion(t *testing.T) {
	info := buildinfo.Read()
	js, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		args    []string
		out     string   // whole stdout
		outHas  []string // parts of stdout, instead of out
		wantErr string
	}{
		{name: "text", args: []string{"version"}, out: info.Text("bench")},
		{name: "json", args: []string{"version", "--json"}, out: string(js) + "\n"},
		{name: "flag", args: []string{"--version"}, out: "bench version " + info.Version + "\n"},
		{name: "no arguments", args: []string{"version", "now"}, wantErr: `bench version takes no arguments (got "now")`},
		{name: "listed in help", args: []string{"--help"}, outHas: []string{"\n  completion ", "\n  version "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := run(t, tc.args...)
			if tc.wantErr != "" || err != nil {
				if err == nil || tc.wantErr == "" || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("bench %s: error %v, want %q", strings.Join(tc.args, " "), err, tc.wantErr)
				}
				return
			}
			for _, part := range tc.outHas {
				if !strings.Contains(out, part) {
					t.Errorf("bench %s printed no %q:\n%s", strings.Join(tc.args, " "), part, out)
				}
			}
			if tc.outHas == nil {
				if diff := cmp.Diff(tc.out, out); diff != "" {
					t.Errorf("bench %s (-want +got):\n%s", strings.Join(tc.args, " "), diff)
				}
			}
		})
	}
}
