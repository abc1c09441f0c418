package command

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// NewKeysCommand is `labagent keys -list | -install K | -use K | -remove K
// [-local]`: install, use and remove act on every alive member (as `serf
// keys`) unless -local.
func NewKeysCommand(s Streams, env Env) Command {
	return Command{
		Name:     "keys",
		Synopsis: "manage the gossip keyring of every member (or -local: this agent)",
		Run: func(ctx context.Context, args []string) error {
			var r rpcFlags
			var list, local bool
			var install, use, remove string
			fs := newFlagSet("keys", "keys -list | -install KEY | -use KEY | -remove KEY", s)
			r.register(fs, env)
			fs.BoolVar(&list, "list", false, "list the keys, primary first")
			fs.StringVar(&install, "install", "", "add a key")
			fs.StringVar(&use, "use", "", "make an installed key the primary")
			fs.StringVar(&remove, "remove", "", "remove a key (not the primary)")
			fs.BoolVar(&local, "local", false, "change this agent's keyring only")
			if err := parse(fs, args); err != nil {
				return err
			}
			if err := noArgs(fs); err != nil {
				return err
			}
			var ka []rpc.KeysArgs
			if list {
				ka = append(ka, rpc.KeysArgs{Op: "list", Local: true})
			}
			for op, k := range map[string]string{"install": install, "use": use, "remove": remove} {
				if k != "" {
					ka = append(ka, rpc.KeysArgs{Op: op, Key: k, Local: local})
				}
			}
			if len(ka) != 1 {
				return usageError{hint.Errorf("rotate a key with -install on every agent, then -use, then -remove the old one", "give exactly one of -list, -install, -use, -remove")}
			}
			var res rpc.KeysResult
			if err := r.call(ctx, rpc.CmdKeys, ka[0], &res); err != nil {
				return err
			}
			for i, k := range res.Keys {
				if i == 0 {
					fmt.Fprintf(s.Out, "%s  (primary)\n", k)
					continue
				}
				fmt.Fprintln(s.Out, k)
			}
			if ka[0].Op == "list" || local {
				return nil
			}
			fmt.Fprintf(s.Err, "%d of %d other members answered\n", res.Responded, res.Asked)
			if len(res.Errors) > 0 {
				var lines []string
				for n, e := range res.Errors {
					lines = append(lines, "  "+n+": "+e)
				}
				sort.Strings(lines)
				return hint.Errorf("fix those agents and repeat; the operation is idempotent", "keys -%s failed on %d members:\n%s", ka[0].Op, len(res.Errors), strings.Join(lines, "\n"))
			}
			return nil
		},
	}
}
