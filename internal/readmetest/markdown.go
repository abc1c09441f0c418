package readmetest

import (
	"strings"
)

// RunMark is the HTML comment that, on the line before a fence, marks a
// README block to be run by the tests.
const RunMark = "<!-- readme-test: run -->"

// Block is one fenced code block of a Markdown file.
type Block struct {
	Line int    // 1-based line of the opening fence
	Lang string // the fence's info string: sh, text, hcl ...
	Run  bool   // RunMark stands on the line before the fence
	Text string // the lines between the fences, each ending in a newline
}

// Blocks returns the fenced code blocks of md (``` fences, at most three
// spaces of indentation, as CommonMark allows). An unclosed block runs to
// the end of the file.
func Blocks(md string) []Block {
	var (
		out     []Block
		cur     *Block
		fence   string
		prev    string
		lineNum int
	)
	for _, line := range strings.SplitAfter(md, "\n") {
		if line == "" {
			break // md ended with a newline
		}
		lineNum++
		trimmed := strings.TrimRight(line, "\r\n")
		body := strings.TrimLeft(trimmed, " ")
		indent := len(trimmed) - len(body)
		if cur == nil {
			if indent <= 3 && strings.HasPrefix(body, "```") {
				fence = body[:len(body)-len(strings.TrimLeft(body, "`"))]
				cur = &Block{
					Line: lineNum,
					Lang: strings.TrimSpace(body[len(fence):]),
					Run:  strings.TrimSpace(prev) == RunMark,
				}
			}
			prev = trimmed
			continue
		}
		if indent <= 3 && strings.HasPrefix(body, fence) && strings.TrimSpace(body[len(fence):]) == "" {
			out = append(out, *cur)
			cur = nil
			prev = trimmed
			continue
		}
		cur.Text += trimmed + "\n"
	}
	if cur != nil {
		out = append(out, *cur)
	}
	return out
}
