package command

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

type membersFlags struct {
	rpc      rpcFlags
	status   string
	name     string
	tags     kvFlag
	format   string
	detailed bool
	// waitAlive: first wait until the agent counts this many members
	// alive, asking it every 100 ms, at most waitFor.
	waitAlive int
	waitFor   time.Duration
}

// NewMembersCommand is `labagent members`.
func NewMembersCommand(s Streams, env Env) Command {
	return Command{
		Name:     "members",
		Synopsis: "list the members the agent knows",
		Run: func(ctx context.Context, args []string) error {
			f := membersFlags{tags: kvFlag{}}
			fs := newFlagSet("members", "members [-status S] [-tag k=v] [-name REGEX] [-format text|json] [-detailed] [-wait-alive N [-wait-for D]]", s)
			f.rpc.register(fs, env)
			fs.StringVar(&f.status, "status", "", "only members whose status matches this regular expression (alive, leaving, left, failed)")
			fs.StringVar(&f.name, "name", "", "only members whose name matches this regular expression")
			fs.Var(f.tags, "tag", "only members with tag key whose value matches the regular expression (repeatable)")
			fs.StringVar(&f.format, "format", "text", "output format: text or json")
			fs.BoolVar(&f.detailed, "detailed", false, "also show protocol versions and when the status changed")
			fs.IntVar(&f.waitAlive, "wait-alive", 0, "first wait until the agent counts at least N members alive (then list them)")
			fs.DurationVar(&f.waitFor, "wait-for", time.Minute, "with -wait-alive: how long to wait at most (then list them anyway)")
			if err := parse(fs, args); err != nil {
				return err
			}
			if err := noArgs(fs); err != nil {
				return err
			}
			if err := checkFormat(f.format); err != nil {
				return err
			}
			match, err := f.filter()
			if err != nil {
				return err
			}
			if f.waitAlive > 0 {
				if err := f.waitUntilAlive(ctx); err != nil {
					return err
				}
			}
			var res rpc.MembersResult
			if err := f.rpc.call(ctx, rpc.CmdMembers, nil, &res); err != nil {
				return err
			}
			var kept []rpc.Member
			for _, m := range res.Members {
				if match(m) {
					kept = append(kept, m)
				}
			}
			if f.format == "json" {
				if kept == nil {
					kept = []rpc.Member{}
				}
				return writeJSON(s.Out, rpc.MembersResult{Members: kept})
			}
			return writeMembers(s.Out, kept, f.detailed)
		},
	}
}

// filter compiles the filters: -status and -tag values are anchored,
// -name is not (as in Serf).
func (f *membersFlags) filter() (func(rpc.Member) bool, error) {
	compile := func(what, expr string, anchor bool) (*regexp.Regexp, error) {
		if anchor {
			expr = "^(?:" + expr + ")$"
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, usageError{fmt.Errorf("bad %s filter: %w", what, err)}
		}
		return re, nil
	}
	var statusRe, nameRe *regexp.Regexp
	var err error
	if f.status != "" {
		if statusRe, err = compile("-status", f.status, true); err != nil {
			return nil, err
		}
	}
	if f.name != "" {
		if nameRe, err = compile("-name", f.name, false); err != nil {
			return nil, err
		}
	}
	tagRes := map[string]*regexp.Regexp{}
	for k, v := range f.tags {
		if tagRes[k], err = compile("-tag "+k, v, true); err != nil {
			return nil, err
		}
	}
	return func(m rpc.Member) bool {
		if statusRe != nil && !statusRe.MatchString(m.Status) {
			return false
		}
		if nameRe != nil && !nameRe.MatchString(m.Name) {
			return false
		}
		for k, re := range tagRes {
			v, ok := m.Tags[k]
			if !ok || !re.MatchString(v) {
				return false
			}
		}
		return true
	}, nil
}

func formatTags(tags map[string]string) string { return strings.Join(splitTags(tags), ",") }

// writeMembers prints `name  addr:port  status  tags` aligned like
// `serf members`.
func writeMembers(w io.Writer, ms []rpc.Member, detailed bool) error {
	tw := newTable(w)
	for _, m := range ms {
		if detailed {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\tprotocol=%d-%d/%d\tdelegate=%d-%d/%d\tsince=%s\n", m.Name, m.Addr, m.Status, formatTags(m.Tags),
				m.Protocol.Min, m.Protocol.Max, m.Protocol.Version, m.Delegate.Min, m.Delegate.Max, m.Delegate.Version,
				m.Since.UTC().Format(time.RFC3339))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Name, m.Addr, m.Status, formatTags(m.Tags))
	}
	return tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(v)
}

// waitUntilAlive asks the agent for its member counts (info: a few bytes,
// where members would be the whole list) every 100 ms until it counts
// f.waitAlive alive or f.waitFor has passed: one process per node waits
// for the cluster to form, instead of a member list per node per poll.
func (f *membersFlags) waitUntilAlive(ctx context.Context) error {
	deadline := time.Now().Add(f.waitFor)
	for {
		var info rpc.Info
		if err := f.rpc.call(ctx, rpc.CmdInfo, nil, &info); err != nil {
			return err
		}
		if info.Members["alive"] >= f.waitAlive || !time.Now().Before(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
