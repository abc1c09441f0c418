// Package hint attaches to an error what the user can do about it. The
// hint is data beside the message, not part of it: the package that
// knows the fix attaches it, and main prints it once, on its own line
// after the message, as `hint: ...` (age's errorWithHint).
//
//	return hint.Errorf("run lab up --nodes N to make one", "no lab.hcl in %s", dir)
//	...
//	fmt.Fprintf(os.Stderr, "lab: %v\n", err)
//	for _, h := range hint.All(err) {
//		fmt.Fprintf(os.Stderr, "hint: %s\n", h)
//	}
//
// Packages that a CLI sits on top of (provision, agent) attach hints that
// name no flag or command of a particular CLI; the CLI wraps their
// errors with its own.
package hint

import (
	"fmt"
	"io"
	"strings"
)

// Hinter is an error type that knows its own hint (a provider's error
// that parsed the fix out of a tool's output, say). All finds it as it
// finds an *Error.
type Hinter interface {
	error
	Hint() string
}

// Error is an error with a hint.
type Error struct {
	Err  error
	Hint string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Wrap attaches hint to err; nil stays nil, and an empty hint adds
// nothing.
func Wrap(err error, hint string) error {
	if err == nil || hint == "" {
		return err
	}
	return &Error{Err: err, Hint: hint}
}

// Errorf formats an error as fmt.Errorf does (%w wraps) and attaches
// hint.
func Errorf(hint, format string, a ...any) error {
	return Wrap(fmt.Errorf(format, a...), hint)
}

// All returns every hint in err's tree, outermost first, each once.
func All(err error) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		var h string
		switch e := err.(type) {
		case *Error:
			h = e.Hint
		case Hinter:
			h = e.Hint()
		}
		if h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

// Has reports whether err carries any hint.
func Has(err error) bool { return len(All(err)) > 0 }

// Print writes err as a CLI reports a failure: "prog: message", then one
// "hint: ..." line per hint.
func Print(w io.Writer, prog string, err error) {
	fmt.Fprintf(w, "%s: %s\n", prog, strings.TrimRight(err.Error(), "\n"))
	for _, h := range All(err) {
		fmt.Fprintf(w, "hint: %s\n", h)
	}
}

// Text is err's message followed by its hints, one "\nhint: ..." line
// each: what a user reads, for tests and logs.
func Text(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	for _, h := range All(err) {
		s += "\nhint: " + h
	}
	return s
}
