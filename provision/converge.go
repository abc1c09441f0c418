package provision

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/internal/parallel"
)

// Runner runs a command on a node as root and returns what it printed on
// stdout; *Pool has it.
type Runner interface {
	Run(ctx context.Context, node, cmd string, stdin []byte) ([]byte, error)
}

var _ Runner = (*Pool)(nil)

// ReadViews asks the agents of nodes for their members with cmd (a
// MembersCommand), parallel at a time; a node whose agent does not
// answer has a View holding the error.
func ReadViews(ctx context.Context, r Runner, cmd string, nodes []string, par int) []View {
	views := make([]View, len(nodes))
	parallel.Each(ctx, len(nodes), max(par, 1), func(ctx context.Context, i int) error {
		views[i] = View{Node: nodes[i]}
		out, err := r.Run(ctx, nodes[i], cmd, nil)
		if err == nil {
			views[i].Members, err = ParseMembers(out)
			if err != nil {
				err = fmt.Errorf("node %q: %w", nodes[i], err)
			}
		}
		views[i].Err = err
		return nil
	})
	for i := range views {
		if views[i].Node == "" { // never asked: ctx ended first
			views[i] = View{Node: nodes[i], Err: context.Cause(ctx)}
		}
	}
	return views
}

// Disagreement is how one observer's view differs from converged.
type Disagreement struct {
	Observer string
	// NoAnswer: the observer's agent could not be asked.
	NoAnswer error
	// NotAlive are the members it should see alive but does not, with
	// what it sees (StatusUnknown: not listed), in the expected order.
	NotAlive []MemberStatus
	// Silent are running nodes whose agent was stopped on purpose, seen
	// alive; Extra are nodes seen alive that do not run at all.
	Silent, Extra []string
}

// MemberStatus is a member and its status in a view.
type MemberStatus struct{ Name, Status string }

// Assess compares every observer's view with converged: its agent
// answers and sees every node of up alive. running (a superset of up)
// are the nodes that run; with strict, a node seen alive that is not in
// up is a disagreement too (Silent when it runs, Extra when not).
func Assess(views []View, up, running []string, strict bool) []Disagreement {
	var out []Disagreement
	for _, v := range views {
		d := Disagreement{Observer: v.Node, NoAnswer: v.Err}
		if v.Err == nil {
			for _, n := range up {
				if st := v.Status(n); st != "alive" {
					d.NotAlive = append(d.NotAlive, MemberStatus{n, st})
				}
			}
			if strict {
				for _, m := range v.Members {
					switch {
					case m.Status != "alive" || slices.Contains(up, m.Name):
					case slices.Contains(running, m.Name):
						d.Silent = append(d.Silent, m.Name)
					default:
						d.Extra = append(d.Extra, m.Name)
					}
				}
			}
		}
		if d.NoAnswer != nil || len(d.NotAlive)+len(d.Silent)+len(d.Extra) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// Disagreements lists, per observer, the expected nodes it does not see
// alive: "web_2 sees web_5 failed, web_7 unknown". Empty when converged.
func Disagreements(views []View, expected []string) []string {
	var out []string
	for _, d := range Assess(views, expected, expected, false) {
		if d.NoAnswer != nil {
			out = append(out, fmt.Sprintf("%s: cannot ask its agent: %v", d.Observer, firstLine(d.NoAnswer)))
			continue
		}
		bad := make([]string, len(d.NotAlive))
		for i, m := range d.NotAlive {
			bad[i] = m.Name + " " + m.Status
		}
		out = append(out, fmt.Sprintf("%s sees %s", d.Observer, strings.Join(bad, ", ")))
	}
	return out
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// NotConvergedError says which nodes do not see whom when the timeout
// ended the wait.
type NotConvergedError struct {
	After    time.Duration
	Problems []string
	Views    []View
}

func (e *NotConvergedError) Error() string {
	return fmt.Sprintf("the cluster did not converge in %s:\n  %s",
		e.After.Round(time.Millisecond), strings.Join(e.Problems, "\n  "))
}

// NotConvergedHint says where to look when a wait ends unconverged.
const NotConvergedHint = "check the agents' logs (/var/log/labagent.log or journalctl -u labagent)"

// WaitOptions tune WaitConverged.
type WaitOptions struct {
	// Poll is the first wait between rounds (default 250 ms); it doubles
	// up to MaxPoll (default 2 s) while the views do not change.
	Poll, MaxPoll time.Duration
	// Parallel bounds the agents asked at once (default 32).
	Parallel int
	// Strict also refuses nodes seen alive that are not expected
	// (Assess); Running are then the nodes that run.
	Strict  bool
	Running []string
	// Format renders the disagreements of the last round for the error
	// (default: Disagreements' wording).
	Format func(views []View, expected []string) []string
	// WaitCmd, when set, is a members command that first waits on the
	// node, at most d, until its agent counts n members alive
	// (Flavour.MembersWaitArgs): each round then costs one command per
	// observer for as long as the cluster takes, not one per poll.
	WaitCmd func(n int, d time.Duration) string
}

// WaitConverged asks the agents of observers for their members, round
// after round, until each sees every expected node alive (Assess), or
// ctx ends.
// Rounds back off while nothing changes, so a slow convergence costs a
// few queries per node, not one every 250 ms. It returns the last views,
// and a *NotConvergedError saying which nodes do not see whom when ctx's
// deadline ended the wait first.
func WaitConverged(ctx context.Context, r Runner, cmd string, observers, expected []string, o WaitOptions) ([]View, error) {
	start := time.Now()
	poll := orDefault(o.Poll, 250*time.Millisecond)
	maxPoll := orDefault(o.MaxPoll, 2*time.Second)
	var last string
	var views []View // the last round that ran to its end
	for {
		round := ReadViews(ctx, r, o.roundCmd(ctx, cmd, len(expected)), observers, orDefaultInt(o.Parallel, 32))
		if o.WaitCmd != nil && slices.ContainsFunc(round, func(v View) bool { return v.Err != nil }) {
			o.WaitCmd = nil // an agent that cannot wait (an older one): poll
		}
		if ctx.Err() == nil || views == nil {
			views = round
		}
		if ctx.Err() == nil && len(Assess(views, expected, o.Running, o.Strict)) == 0 {
			return views, nil
		}
		if sig := viewsKey(views); sig != last {
			last, poll = sig, orDefault(o.Poll, 250*time.Millisecond) // something moved: look again soon
		}
		select {
		case <-ctx.Done():
			if ctx.Err() != context.DeadlineExceeded {
				return views, ctx.Err()
			}
			format := o.Format
			if format == nil {
				format = Disagreements
			}
			return views, hint.Wrap(&NotConvergedError{After: time.Since(start), Problems: format(views, expected), Views: views}, NotConvergedHint)
		case <-time.After(poll):
			poll = min(2*poll, maxPoll)
		}
	}
}

// roundCmd is the command of one round: cmd, or the waiting command
// bounded by what is left of ctx (a few seconds short of it, so that the
// answers arrive in time).
func (o WaitOptions) roundCmd(ctx context.Context, cmd string, n int) string {
	if o.WaitCmd == nil {
		return cmd
	}
	d := 30 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl)-2*time.Second)
	}
	if d < time.Second {
		return cmd
	}
	return o.WaitCmd(n, d.Round(time.Second))
}

// viewsKey summarises views, to notice that a round changed something.
func viewsKey(views []View) string {
	var b strings.Builder
	for _, v := range views {
		b.WriteString(v.Node)
		if v.Err != nil {
			b.WriteString("!")
		}
		for _, m := range v.Members {
			b.WriteString(m.Name)
			b.WriteString(m.Status)
		}
	}
	return b.String()
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func orDefaultInt(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}
