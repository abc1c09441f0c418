package cli

import (
	"encoding/json"
	"io"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/internal/buildinfo"
)

// newVersionCommand is `lab version`: the build of this lab binary.
// lab --version prints the version alone.
func newVersionCommand(env *Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print lab's version and the commit and date it was built from",
		Long: `version prints "lab vVERSION", then the commit it was built from (with
"(modified)" when the tree had uncommitted changes), the commit's date and
the Go toolchain and platform; a line whose value is unknown is left out.
A release prints its version (0.2.0); a build that is no release prints the
next release's version with -dev (0.2.0-dev).`,
		Example: `  lab version
  lab version --json | jq -r .commit`,
		Args: noArgs(nil),
		RunE: func(*cobra.Command, []string) error {
			info := buildinfo.Read()
			if env.Version != "" {
				info.Version = env.Version
			}
			if asJSON {
				e := json.NewEncoder(env.Streams.Out)
				e.SetIndent("", "  ")
				return e.Encode(info)
			}
			_, err := io.WriteString(env.Streams.Out, info.Text("lab"))
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON: version, commit, date, modified, go, platform")
	return cmd
}
