package command

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

// NewJournalCommand is `labagent journal [-since SEQ] [-follow] [-format
// text|json]`. JSON output is one entry per line (JSON Lines).
func NewJournalCommand(s Streams, env Env) Command {
	return Command{
		Name:     "journal",
		Synopsis: "print what the agent observed and when (membership changes, user events)",
		Run: func(ctx context.Context, args []string) error {
			var r rpcFlags
			var ja rpc.JournalArgs
			var format string
			fs := newFlagSet("journal", "journal [-since SEQ] [-follow] [-format text|json]", s)
			r.register(fs, env)
			fs.Uint64Var(&ja.Since, "since", 0, "only entries with a sequence number above SEQ")
			fs.BoolVar(&ja.Follow, "follow", false, "keep printing new entries until interrupted")
			fs.StringVar(&format, "format", "text", "output format: text or json (one object per line)")
			if err := parse(fs, args); err != nil {
				return err
			}
			if err := noArgs(fs); err != nil {
				return err
			}
			if err := checkFormat(format); err != nil {
				return err
			}
			print := func(res rpc.JournalResult) error {
				if res.FirstSeq > ja.Since+1 && ja.Since > 0 {
					fmt.Fprintf(s.Err, "labagent journal: entries %d to %d were overwritten (journal size)\n", ja.Since+1, res.FirstSeq-1)
				}
				if n := len(res.Entries); n > 0 {
					ja.Since = res.Entries[n-1].Seq
				}
				return writeEntries(s.Out, res.Entries, format)
			}
			if !ja.Follow {
				var res rpc.JournalResult
				if err := r.call(ctx, rpc.CmdJournal, ja, &res); err != nil {
					return err
				}
				return print(res)
			}
			c, err := r.dial(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			return c.Stream(ctx, rpc.CmdJournal, ja, func(raw json.RawMessage) error {
				var res rpc.JournalResult
				if err := json.Unmarshal(raw, &res); err != nil {
					return err
				}
				return print(res)
			})
		},
	}
}

func writeEntries(w io.Writer, es []rpc.Entry, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		for _, e := range es {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	tw := newTable(w)
	for _, e := range es {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s", e.Seq, e.Time.Format(time.RFC3339Nano), e.Type, e.Node, e.Addr)
		if e.Type == "user" {
			fmt.Fprintf(tw, "\t%s ltime=%d", e.Name, e.LTime)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
