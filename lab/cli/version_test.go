package cli_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/buildinfo"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/cli"
)

// TestVersion: lab version prints the build (the version main passes in
// wins, as a release stamp does), --json the same fields, --version the
// version alone; the completion command is listed for users to find.
func TestVersion(t *testing.T) {
	stamped := buildinfo.Read()
	stamped.Version = "1.2.3"
	js, err := json.MarshalIndent(stamped, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, version string
		args          []string
		code          int
		out, errOut   string   // whole stdout; a part of stderr
		outHas        []string // parts of stdout, instead of out
	}{
		{name: "build info", args: []string{"version"}, out: buildinfo.Read().Text("lab")},
		{name: "stamped", version: "1.2.3", args: []string{"version"}, out: stamped.Text("lab")},
		{name: "json", version: "1.2.3", args: []string{"version", "--json"}, out: string(js) + "\n"},
		{name: "flag", version: "1.2.3", args: []string{"--version"}, out: "lab version 1.2.3\n"},
		{name: "no arguments", args: []string{"version", "now"}, code: 1, errOut: `lab version takes no arguments (got "now")`},
		{name: "listed in help", args: []string{"--help"}, outHas: []string{"\n  completion ", "\n  version "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			env := &cli.Env{
				Logger:    slog.New(slog.DiscardHandler),
				Streams:   cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut},
				Providers: lab.NewRegistry(),
				Version:   tc.version,
			}
			code := cli.Run(t.Context(), env, tc.args)
			if code != tc.code || !strings.Contains(errOut.String(), tc.errOut) {
				t.Fatalf("lab %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), code, errOut.String(), tc.code, tc.errOut)
			}
			if tc.outHas != nil {
				for _, part := range tc.outHas {
					if !strings.Contains(out.String(), part) {
						t.Errorf("lab %s printed no %q:\n%s", strings.Join(tc.args, " "), part, out.String())
					}
				}
				return
			}
			if diff := cmp.Diff(tc.out, out.String()); diff != "" {
				t.Errorf("lab %s (-want +got):\n%s", strings.Join(tc.args, " "), diff)
			}
		})
	}
}
