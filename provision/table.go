package provision

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable prints one line per node: action, agent version, duration,
// SSH overhead (connect + handshake) and the error's first line; then a
// summary line counting each action.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tACTION\tVERSION\tDURATION\tSSH\tERROR")
	counts := map[Action]int{}
	for _, r := range results {
		counts[r.Action]++
		msg := ""
		if r.Err != nil {
			msg, _, _ = strings.Cut(r.Err.Error(), "\n")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Node, r.Action, dash(r.Version), round(r.Duration), round(r.SSHOverhead), msg)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var parts []string
	for _, a := range []Action{ActionInstalled, ActionUpgraded, ActionReconfigured, ActionStarted, ActionUnchanged, ActionKeptNewer, ActionFailed} {
		if counts[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[a], a))
		}
	}
	nodes := "nodes"
	if len(results) == 1 {
		nodes = "node"
	}
	_, err := fmt.Fprintf(w, "%d %s: %s\n", len(results), nodes, strings.Join(parts, ", "))
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func round(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.Round(time.Millisecond).String()
}

// Failed returns nil when every node succeeded, else one error naming the
// failed nodes followed by each node's error.
func Failed(results []Result) error {
	var names []string
	var errs []error
	for _, r := range results {
		if r.Err != nil {
			names = append(names, r.Node)
			errs = append(errs, r.Err)
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	return fmt.Errorf("provisioning failed on %d of %d nodes (%s):\n%w", len(names), len(results), strings.Join(names, ", "), errors.Join(errs...))
}
