package watch

import (
	"strings"

	"github.com/gossiplab/gossiplab/lab"
)

// matchNodes returns the indices of the names expr selects: a lab
// selector (web_3, web_[1-5], web_*, a comma list), else every name that
// contains it (ignoring case). An empty expr selects all (nil).
func matchNodes(names []string, expr string) []int {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return nil
	}
	idx := make(map[string]int, len(names))
	for i, n := range names {
		idx[n] = i
	}
	out := []int{}
	if picked, err := lab.Select(names, []string{expr}); err == nil {
		for _, n := range picked {
			out = append(out, idx[n])
		}
		return out
	}
	low := strings.ToLower(expr)
	for i, n := range names {
		if strings.Contains(strings.ToLower(n), low) {
			out = append(out, i)
		}
	}
	return out
}
