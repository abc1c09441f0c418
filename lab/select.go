package lab

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// rangeRE matches a numeric range in a selector: web_[6-10].
var rangeRE = regexp.MustCompile(`^(.*)\[(\d+)-(\d+)\](.*)$`)

// Select resolves node selectors against the lab's node names, in lab
// order and without duplicates. A selector is an exact name, a comma list,
// a numeric range such as web_[6-10] (numbers, not a character class;
// web[01-12] keeps the zeros), or
// a glob such as web_* (with the shell's classes: web_[!1-5]). A selector that matches no node is an error that
// lists the valid names.
func Select(all []string, selectors []string) ([]string, error) {
	known := make(map[string]int, len(all))
	for i, n := range all {
		known[n] = i
	}
	picked := map[string]bool{}
	for _, sel := range selectors {
		for _, s := range strings.Split(sel, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			matched, err := match(all, known, s)
			if err != nil {
				return nil, err
			}
			if len(matched) == 0 {
				return nil, hint.Errorf(fmt.Sprintf("valid nodes are %s", Summarize(all)), "no node matches %q", s)
			}
			for _, m := range matched {
				picked[m] = true
			}
		}
	}
	if len(picked) == 0 {
		return nil, hint.Errorf(fmt.Sprintf("name nodes (%s) or pass --all", Summarize(all)), "no nodes selected")
	}
	out := make([]string, 0, len(picked))
	for n := range picked {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return known[out[i]] < known[out[j]] })
	return out, nil
}

func match(all []string, known map[string]int, s string) ([]string, error) {
	if _, ok := known[s]; ok {
		return []string{s}, nil
	}
	if m := rangeRE.FindStringSubmatch(s); m != nil {
		lo, err1 := strconv.Atoi(m[2])
		hi, err2 := strconv.Atoi(m[3])
		if err1 != nil || err2 != nil || lo > hi || hi-lo > MaxNodes {
			return nil, hint.Errorf("write a range as web_[1-5], low to high", "bad range in %q", s)
		}
		width := 0 // web[01-12]: zero-padded names, as an inventory's
		if len(m[2]) > 1 && m[2][0] == '0' {
			width = len(m[2])
		}
		var out []string
		for i := lo; i <= hi; i++ {
			name := m[1] + fmt.Sprintf("%0*d", width, i) + m[4]
			if _, ok := known[name]; !ok {
				return nil, hint.Errorf(fmt.Sprintf("valid nodes are %s", Summarize(all)), "range %q names %s, which is not a node of this lab", s, name)
			}
			out = append(out, name)
		}
		return out, nil
	}
	if strings.ContainsAny(s, "*?[") {
		// The shell's negated class [!...] is [^...] to path.Match, which
		// would read [!1-5] as "!, or 1 to 5".
		pattern := strings.ReplaceAll(s, "[!", "[^")
		var out []string
		for _, n := range all {
			ok, err := path.Match(pattern, n)
			if err != nil {
				return nil, hint.Errorf("use * and ? as wildcards, or a range like web_[1-5]", "bad pattern %q: %v", s, err)
			}
			if ok {
				out = append(out, n)
			}
		}
		return out, nil
	}
	return nil, nil
}

// Summarize writes names compactly: runs of prefix_N become prefix_[a-b].
func Summarize(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	var parts []string
	i := 0
	for i < len(names) {
		pre, n, ok := splitNum(names[i])
		j := i + 1
		if ok {
			for j < len(names) {
				p2, n2, ok2 := splitNum(names[j])
				if !ok2 || p2 != pre || n2 != n+(j-i) {
					break
				}
				j++
			}
		}
		switch {
		case j-i >= 3:
			parts = append(parts, fmt.Sprintf("%s[%d-%d]", pre, n, n+(j-i-1)))
		default:
			parts = append(parts, names[i:j]...)
		}
		i = j
	}
	return strings.Join(parts, ", ")
}

func splitNum(name string) (prefix string, n int, ok bool) {
	k := len(name)
	for k > 0 && name[k-1] >= '0' && name[k-1] <= '9' {
		k--
	}
	if k == len(name) || name[k] == '0' && k < len(name)-1 {
		// No number, or a zero-padded one (web01): a range web[1-3]
		// would name web1 .. web3, other nodes.
		return name, 0, false
	}
	n, err := strconv.Atoi(name[k:])
	if err != nil {
		return name, 0, false
	}
	return name[:k], n, true
}
