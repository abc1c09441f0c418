package command

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/bench"
)

func newReportCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "report DIR",
		Short: "Rebuild summary.json, the plots, report.md and report.html of a results directory from its samples.csv",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d := bench.Dir{Path: args[0]}
			if err := bench.Rebuild(d); err != nil {
				return fmt.Errorf("rebuild %s: %w", d.Path, err)
			}
			fmt.Fprintln(e.streams.Out, d.Report())
			return nil
		},
	}
}
