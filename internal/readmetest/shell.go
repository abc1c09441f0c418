package readmetest

import (
	"errors"
	"fmt"
	"strings"
)

// Subst is the word that stands for a command substitution, $(...) or
// <(...), in the command around it; the substituted command is returned
// as a command of its own.
const Subst = "$(...)"

// Commands splits a shell script into its simple commands, each a list
// of words with quotes removed and nothing expanded. Newlines, ;, &, &&,
// | and || separate commands; comments, redirections and their targets
// are dropped; the commands inside $(...), <(...) and >(...) are returned
// after the command they appear in. It reads the shell that
// documentation shows, not all of POSIX: no here-documents, no
// backquotes.
func Commands(script string) ([][]string, error) {
	s := &scanner{src: []rune(script)}
	if err := s.scan(); err != nil {
		return nil, err
	}
	return s.cmds, nil
}

type scanner struct {
	src      []rune
	i        int
	word     strings.Builder
	inWord   bool
	dropNext bool // the next word is a redirection's target
	cur      []string
	cmds     [][]string
	nested   [][]string
}

func (s *scanner) scan() error {
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '\\':
			if err := s.escape(); err != nil {
				return err
			}
		case c == '\'':
			end := indexRune(s.src, s.i+1, '\'')
			if end < 0 {
				return errors.New("unterminated single quote")
			}
			s.add(string(s.src[s.i+1 : end]))
			s.i = end + 1
		case c == '"':
			if err := s.doubleQuoted(); err != nil {
				return err
			}
		case (c == '$' || c == '<' || c == '>') && s.peek(1) == '(':
			if err := s.substitution(s.i + 2); err != nil {
				return err
			}
		case c == '#' && !s.inWord:
			for s.i < len(s.src) && s.src[s.i] != '\n' {
				s.i++
			}
		case c == ' ' || c == '\t':
			s.endWord()
			s.i++
		case c == '<' || c == '>':
			s.redirect()
		case strings.ContainsRune("\n;&|()", c):
			s.endCommand()
			s.i++
		default:
			s.add(string(c))
			s.i++
		}
	}
	s.endCommand()
	return nil
}

func (s *scanner) peek(k int) rune {
	if s.i+k < len(s.src) {
		return s.src[s.i+k]
	}
	return 0
}

// escape reads a backslash outside quotes: a line continuation, or the
// next character taken literally.
func (s *scanner) escape() error {
	switch next := s.peek(1); next {
	case 0:
		return errors.New("backslash at the end of the script")
	case '\n':
	default:
		s.add(string(next))
	}
	s.i += 2
	return nil
}

func (s *scanner) doubleQuoted() error {
	s.add("") // "" is a word too
	for s.i++; s.i < len(s.src); {
		c := s.src[s.i]
		switch {
		case c == '"':
			s.i++
			return nil
		case c == '\\' && strings.ContainsRune("\"\\$`\n", s.peek(1)):
			if s.peek(1) != '\n' {
				s.add(string(s.peek(1)))
			}
			s.i += 2
		case c == '$' && s.peek(1) == '(':
			if err := s.substitution(s.i + 2); err != nil {
				return err
			}
		default:
			s.add(string(c))
			s.i++
		}
	}
	return errors.New("unterminated double quote")
}

// substitution reads $(...), <(...) or >(...) whose body starts at body:
// the body's commands are kept for later, the word gets Subst.
func (s *scanner) substitution(body int) error {
	depth, j := 1, body
	for ; j < len(s.src) && depth > 0; j++ {
		switch s.src[j] {
		case '(':
			depth++
		case ')':
			depth--
		case '\'':
			if end := indexRune(s.src, j+1, '\''); end > 0 {
				j = end
			}
		}
	}
	if depth > 0 {
		return errors.New("unterminated $( or <(")
	}
	inner, err := Commands(string(s.src[body : j-1]))
	if err != nil {
		return fmt.Errorf("in %s: %w", string(s.src[s.i:j]), err)
	}
	s.nested = append(s.nested, inner...)
	s.add(Subst)
	s.i = j
	return nil
}

// redirect drops a redirection (>, >>, <, 2>, >&2, &>) and its target.
func (s *scanner) redirect() {
	if s.inWord && isDigits(s.word.String()) { // 2> : the fd is no word
		s.word.Reset()
		s.inWord = false
	}
	s.endWord()
	for s.i < len(s.src) && strings.ContainsRune("<>", s.src[s.i]) {
		s.i++
	}
	if s.i < len(s.src) && s.src[s.i] == '&' { // >&2: the target is an fd
		s.i++
		for s.i < len(s.src) && s.src[s.i] >= '0' && s.src[s.i] <= '9' {
			s.i++
		}
		return
	}
	s.dropNext = true
}

func (s *scanner) add(text string) {
	s.word.WriteString(text)
	s.inWord = true
}

func (s *scanner) endWord() {
	if !s.inWord {
		return
	}
	if s.dropNext {
		s.dropNext = false
	} else {
		s.cur = append(s.cur, s.word.String())
	}
	s.word.Reset()
	s.inWord = false
}

func (s *scanner) endCommand() {
	s.endWord()
	s.dropNext = false
	if len(s.cur) > 0 {
		s.cmds = append(s.cmds, s.cur)
	}
	s.cmds = append(s.cmds, s.nested...)
	s.cur, s.nested = nil, nil
}

func indexRune(rs []rune, from int, r rune) int {
	for j := from; j < len(rs); j++ {
		if rs[j] == r {
			return j
		}
	}
	return -1
}

func isDigits(w string) bool {
	return w != "" && strings.Trim(w, "0123456789") == ""
}
