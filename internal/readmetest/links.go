package readmetest

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Link is a Markdown link to a relative path, with its line.
type Link struct {
	Line   int
	Target string // the path, "" for a link within the same file
	Anchor string // after #, "" for none
}

var (
	// linkRE matches [text](target) and ![alt](target); targets have no
	// spaces in these docs.
	linkRE = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	// headingRE matches an ATX heading.
	headingRE = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
)

// Links returns the relative links of md outside code blocks and code
// spans: absolute URLs (with a scheme) and mailto: are left out.
func Links(md string) []Link {
	var out []Link
	for i, line := range proseLines(md) {
		for _, m := range linkRE.FindAllStringSubmatch(stripCodeSpans(line), -1) {
			t := m[1]
			if strings.Contains(t, "://") || strings.HasPrefix(t, "mailto:") {
				continue
			}
			target, anchor, _ := strings.Cut(t, "#")
			out = append(out, Link{Line: i + 1, Target: target, Anchor: anchor})
		}
	}
	return out
}

// Anchors returns the anchors GitHub gives md's headings: lowercased,
// punctuation other than - and _ dropped, spaces made -, and -1, -2 ...
// added to repeats.
func Anchors(md string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, line := range proseLines(md) {
		m := headingRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(m[1]) { // a code span keeps its text, without the backquotes
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		slug := b.String()
		if n := seen[slug]; n > 0 {
			out[slug+"-"+strconv.Itoa(n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

// proseLines returns md's lines with those inside fenced code blocks
// blanked, so that line numbers stay.
func proseLines(md string) []string {
	lines := strings.Split(md, "\n")
	fence := ""
	for i, line := range lines {
		body := strings.TrimLeft(line, " ")
		switch {
		case fence == "" && strings.HasPrefix(body, "```"):
			fence = body[:len(body)-len(strings.TrimLeft(body, "`"))]
			lines[i] = ""
		case fence != "":
			if strings.HasPrefix(body, fence) && strings.TrimSpace(body[len(fence):]) == "" {
				fence = ""
			}
			lines[i] = ""
		}
	}
	return lines
}

// stripCodeSpans removes `code spans` from a line, keeping the rest.
func stripCodeSpans(line string) string {
	var b strings.Builder
	in := false
	for _, r := range line {
		if r == '`' {
			in = !in
			continue
		}
		if !in {
			b.WriteRune(r)
		}
	}
	return b.String()
}
