package hosts

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// expandPattern expands Ansible's host ranges, as many as the pattern
// holds: web[01:03] is web01, web02 and web03 (leading zeros kept),
// db-[a:c] is db-a, db-b and db-c, and [1:9:2] steps by 2. More than
// limit names is an error.
func expandPattern(p string, limit int) ([]string, error) {
	open := strings.IndexByte(p, '[')
	if open < 0 {
		return []string{p}, nil
	}
	end := strings.IndexByte(p[open:], ']')
	if end < 0 {
		return nil, hint.Errorf("write a range as web[01:50] or db-[a:f]", "host pattern %q: [ without ]", p)
	}
	end += open
	items, err := expandRange(p[open+1:end], limit)
	var many tooMany
	if errors.As(err, &many) {
		return nil, hint.Errorf(fmt.Sprintf("a lab holds at most %d nodes", limit), "host pattern %q names %d hosts", p, int(many))
	}
	if err != nil {
		return nil, hint.Errorf("write a range as web[01:50], db-[a:f] or web[1:9:2]", "host pattern %q: %v", p, err)
	}
	rest, err := expandPattern(p[end+1:], limit)
	if err != nil {
		return nil, err
	}
	if len(items)*len(rest) > limit {
		return nil, hint.Errorf(fmt.Sprintf("a lab holds at most %d nodes", limit), "host pattern %q names %d hosts", p, len(items)*len(rest))
	}
	out := make([]string, 0, len(items)*len(rest))
	for _, it := range items {
		for _, r := range rest {
			out = append(out, p[:open]+it+r)
		}
	}
	return out, nil
}

// tooMany is a range of more names than the limit.
type tooMany int

func (n tooMany) Error() string { return fmt.Sprintf("%d names", int(n)) }

// expandRange expands the inside of [a:b] or [a:b:step], at most limit
// names.
func expandRange(r string, limit int) ([]string, error) {
	parts := strings.Split(r, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return nil, fmt.Errorf("[%s] is not a range", r)
	}
	step := 1
	if len(parts) == 3 {
		s, err := strconv.Atoi(parts[2])
		if err != nil || s < 1 {
			return nil, fmt.Errorf("step %q is not a positive number", parts[2])
		}
		step = s
	}
	lo, hi := parts[0], parts[1]
	if a, b, ok := letters(lo, hi); ok {
		var out []string
		for c := a; c <= b; c += byte(step) {
			out = append(out, string(c))
			if int(c)+step > 255 {
				break
			}
		}
		return out, nil
	}
	l, err1 := strconv.Atoi(lo)
	h, err2 := strconv.Atoi(hi)
	if err1 != nil || err2 != nil || l < 0 || l > h {
		return nil, fmt.Errorf("[%s] is not a range of numbers or letters, low to high", r)
	}
	if n := (h-l)/step + 1; n > limit {
		return nil, tooMany(n)
	}
	width := 0
	if len(lo) > 1 && lo[0] == '0' {
		width = len(lo)
	}
	var out []string
	for i := l; i <= h; i += step {
		out = append(out, fmt.Sprintf("%0*d", width, i))
	}
	return out, nil
}

// letters reads a range of single lowercase or uppercase letters.
func letters(lo, hi string) (byte, byte, bool) {
	if len(lo) != 1 || len(hi) != 1 {
		return 0, 0, false
	}
	a, b := lo[0], hi[0]
	isLetter := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	return a, b, isLetter(a) && isLetter(b) && a <= b
}

// splitPort splits "name:2222" (or "web[01:09]:2222") into the pattern
// and its port; a pattern without one comes back whole with port "".
// Colons inside a range's brackets do not count.
func splitPort(p string) (string, string) {
	depth, colons, last := 0, 0, -1
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '[':
			depth++
		case ']':
			depth--
		case ':':
			if depth == 0 {
				colons, last = colons+1, i
			}
		}
	}
	if colons != 1 {
		return p, ""
	}
	if _, err := strconv.Atoi(p[last+1:]); err != nil {
		return p, ""
	}
	return p[:last], p[last+1:]
}
