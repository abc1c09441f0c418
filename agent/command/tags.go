package command

import (
	"context"
	"fmt"
	"sort"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

// NewTagsCommand is `labagent tags -set k=v -delete k`.
func NewTagsCommand(s Streams, env Env) Command {
	return Command{
		Name:     "tags",
		Synopsis: "set or delete the agent's tags (prints them)",
		Run: func(ctx context.Context, args []string) error {
			var r rpcFlags
			set := kvFlag{}
			var del stringList
			fs := newFlagSet("tags", "tags [-set k=v ...] [-delete k ...]", s)
			r.register(fs, env)
			fs.Var(set, "set", "set tag key=value (repeatable)")
			fs.Var(&del, "delete", "delete tag key (repeatable)")
			if err := parse(fs, args); err != nil {
				return err
			}
			if err := noArgs(fs); err != nil {
				return err
			}
			var res rpc.TagsResult
			if err := r.call(ctx, rpc.CmdTags, rpc.TagsArgs{Set: set, Delete: del}, &res); err != nil {
				return err
			}
			for _, kv := range splitTags(res.Tags) {
				fmt.Fprintln(s.Out, kv)
			}
			return nil
		},
	}
}

func splitTags(tags map[string]string) []string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+tags[k])
	}
	return out
}
