package provision

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

// Member is one member as an agent's `members -format json` lists it:
// labagent's wire form, which Serf's output fits too (the same keys,
// without since and delegate).
type Member = rpc.Member

// StatusUnknown is a member an observer does not list at all.
const StatusUnknown = "unknown"

// View is the cluster as one node's agent sees it.
type View struct {
	Node    string
	Members []Member
	Err     error
}

// Status is the status of member as this view sees it.
func (v View) Status(member string) string {
	for _, m := range v.Members {
		if m.Name == member {
			return m.Status
		}
	}
	return StatusUnknown
}

// MembersCommand is the command line that lists members as JSON.
func MembersCommand(l Layout, rpcAddr string) string {
	if rpcAddr == "" {
		rpcAddr = defaultRPCAddr
	}
	return fmt.Sprintf("%s members -format json -rpc-addr %s", shellQuote(l.Binary()), shellQuote(rpcAddr))
}

// ParseMembers reads `members -format json` output.
func ParseMembers(data []byte) ([]Member, error) {
	var res struct {
		Members []Member `json:"members"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("parse members: %w", err)
	}
	slices.SortStableFunc(res.Members, func(a, b Member) int { return compareNames(a.Name, b.Name) })
	return res.Members, nil
}

// matrixMark abbreviates statuses for the matrix.
var matrixMark = map[string]string{"alive": "A", "suspect": "S", "failed": "F", "left": "L", "leaving": "l", StatusUnknown: "?"}

// WriteMatrix prints every observer's view of every node: one row per
// observer, one column per node, A alive, S suspect, F failed, L left,
// l leaving, ? unknown (not listed), ! the observer's agent did not
// answer. A split view shows as rows that disagree.
func WriteMatrix(w io.Writer, views []View) error {
	// Columns: the observers in their order (the lab's), then members no
	// observer stands for, by name with numbers compared as numbers.
	seen := map[string]bool{}
	var cols, others []string
	for _, v := range views {
		if !seen[v.Node] {
			seen[v.Node] = true
			cols = append(cols, v.Node)
		}
	}
	for _, v := range views {
		for _, m := range v.Members {
			if !seen[m.Name] {
				seen[m.Name] = true
				others = append(others, m.Name)
			}
		}
	}
	slices.SortFunc(others, compareNames)
	cols = append(cols, others...)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprint(tw, "OBSERVER \\ NODE")
	for i := range cols {
		fmt.Fprintf(tw, "\t%d", i+1)
	}
	fmt.Fprintln(tw)
	for _, v := range views {
		fmt.Fprint(tw, v.Node)
		for _, c := range cols {
			mark := "!"
			if v.Err == nil {
				mark = matrixMark[v.Status(c)]
				if mark == "" {
					mark = v.Status(c)
				}
			}
			fmt.Fprintf(tw, "\t%s", mark)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var legend []string
	for i, c := range cols {
		legend = append(legend, fmt.Sprintf("%d=%s", i+1, c))
	}
	_, err := fmt.Fprintf(w, "nodes: %s\nA alive, S suspect, F failed, L left, l leaving, ? not listed, ! no answer\n", strings.Join(legend, " "))
	return err
}

// compareNames orders node names as people count: web_9 before web_10.
func compareNames(a, b string) int {
	pa, na := splitTrailingNumber(a)
	pb, nb := splitTrailingNumber(b)
	switch {
	case pa != pb:
		return strings.Compare(pa, pb)
	case na != nb:
		return na - nb
	}
	return strings.Compare(a, b)
}

// splitTrailingNumber splits web_10 into web_ and 10; a name without
// trailing digits has number -1.
func splitTrailingNumber(name string) (string, int) {
	k := len(name)
	for k > 0 && name[k-1] >= '0' && name[k-1] <= '9' {
		k--
	}
	n, err := strconv.Atoi(name[k:])
	if err != nil {
		return name, -1
	}
	return name[:k], n
}

// WriteMembers prints one view in `serf members` columns: name, addr,
// status, tags.
func WriteMembers(w io.Writer, ms []Member) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, m := range ms {
		var tags []string
		for _, k := range slices.Sorted(maps.Keys(m.Tags)) {
			tags = append(tags, k+"="+m.Tags[k])
		}
		addr := m.Addr
		if m.Port != 0 && !strings.Contains(addr, ":") {
			addr = fmt.Sprintf("%s:%d", addr, m.Port)
		}
		// No tags: no empty last column, which tabwriter pads with spaces.
		line := m.Name + "\t" + addr + "\t" + m.Status
		if len(tags) > 0 {
			line += "\t" + strings.Join(tags, ",")
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}
