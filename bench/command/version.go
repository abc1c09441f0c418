package command

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/internal/buildinfo"
)

// newVersionCommand is `bench version`: the build of this bench binary.
// bench --version prints the version alone. (bench converge records the
// commit of the source tree it runs in, in summary.json; this is the
// binary's.)
func newVersionCommand(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print bench's version and the commit and date it was built from",
		Long: `version prints "bench vVERSION", then the commit it was built from (with
"(modified)" when the tree had uncommitted changes), the commit's date and
the Go toolchain and platform; a line whose value is unknown is left out.
A release prints its version (0.2.0); a build that is no release prints the
next release's version with -dev (0.2.0-dev).`,
		Example: `  bench version
  bench version --json | jq -r .commit`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("bench version takes no arguments (got %q)\nhint: bench version --help shows its usage", args[0])
			}
			return nil
		},
		RunE: func(*cobra.Command, []string) error {
			info := buildinfo.Read()
			if asJSON {
				enc := json.NewEncoder(e.streams.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			_, err := io.WriteString(e.streams.Out, info.Text("bench"))
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON: version, commit, date, modified, go, platform")
	return cmd
}
