package chaos

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// Step is one line of a scenario.
type Step struct {
	Line int
	Text string
	Req  Request
}

// MaxScenarioSize bounds a scenario file (lab chaos run FILE).
const MaxScenarioSize = 1 << 20

// Scenario is a sequence of chaos steps, run by `lab chaos run FILE`.
//
// A scenario file has one step per line, written as the arguments of
// `lab chaos` would be, with the same flags; # starts a comment; quotes
// work as in a shell:
//
//	# crash one node, let it come back, then lose everything
//	halt web_3
//	wait converged
//	reload web_3
//	wait 10s
//	partition 'web_[1-5]' 'web_[6-10]'
//	heal
//	kill-agent --random 2
//	halt --all
//	up --all
//
// `wait converged` waits until every running agent sees every running
// agent's node alive and no other node alive (a node whose agent an
// earlier step killed or stopped, and none started again, counts as
// down); `wait DURATION` sleeps.
type Scenario struct {
	Name  string
	Steps []Step
}

// ParseScenario reads a scenario; name (the file's path) prefixes errors
// as name:line: so that an editor can jump to them. Every bad line is
// reported.
func ParseScenario(name string, r io.Reader) (*Scenario, error) {
	sc := &Scenario{Name: name}
	var errs []error
	s := bufio.NewScanner(r)
	for line := 1; s.Scan(); line++ {
		text := strings.TrimSpace(s.Text())
		words, err := splitWords(text)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, line, err))
			continue
		}
		if len(words) == 0 {
			continue
		}
		req, err := parseStep(words)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, line, err))
			continue
		}
		sc.Steps = append(sc.Steps, Step{Line: line, Text: strings.Join(words, " "), Req: req})
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("read scenario %s: %w", name, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(sc.Steps) == 0 {
		return nil, hint.Errorf("write one step per line, such as `halt web_3`", "%s: no steps", name)
	}
	return sc, nil
}

// Check checks every step's nodes against l (see Request.Check), so that
// a typo on a late line stops the scenario before its first step.
func (sc *Scenario) Check(l *lab.Lab) error {
	var errs []error
	for _, st := range sc.Steps {
		if err := st.Req.Check(l); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", sc.Name, st.Line, err))
		}
	}
	return errors.Join(errs...)
}

// CheckAgent refuses, before the first step, the steps that a's agent
// cannot do (see AgentCLI.Supports).
func (sc *Scenario) CheckAgent(a AgentCLI) error {
	var errs []error
	for _, st := range sc.Steps {
		if err := a.Supports(st.Req); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", sc.Name, st.Line, err))
		}
	}
	return errors.Join(errs...)
}

func parseStep(words []string) (Request, error) {
	if words[0] == "run" {
		return Request{}, fmt.Errorf("a scenario cannot run another scenario")
	}
	if _, err := ParseAction(words[0]); err != nil {
		return Request{}, err
	}
	var f Flags
	fs := pflag.NewFlagSet(words[0], pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.Bind(fs)
	if err := fs.Parse(words[1:]); err != nil {
		return Request{}, fmt.Errorf("%s: %w", words[0], err)
	}
	return ParseRequest(words[0], fs.Args(), f, fs.Changed("seed"))
}

// splitWords splits a line into words as a POSIX shell would for plain
// words, 'single' and "double" quotes and backslashes; # starts a comment
// at the start of a word.
func splitWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			return words, nil
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' quote")
			}
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte(`"\$`+"`", line[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(line[i])
			}
			if i >= len(line) {
				return nil, fmt.Errorf(`unterminated " quote`)
			}
			inWord = true
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
