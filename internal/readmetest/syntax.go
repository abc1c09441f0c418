package readmetest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ModulePath is the module's import path, as go install names it.
const ModulePath = "github.com/gossiplab/gossiplab"

// Checker checks commands for syntax against binaries built from the
// tree: subcommands and flags must be those their --help lists, paths
// given to go and man -l must exist in the repository.
type Checker struct {
	// Root is the repository's root directory.
	Root string
	// Bins maps a command name (lab, bench, labagent) to its binary.
	Bins map[string]string
	// Stdlib names the commands that parse flags with the standard
	// library's flag package (labagent): help with -h, flags end at the
	// first argument.
	Stdlib map[string]bool

	helps map[string]usage
}

// usage is what a command's help lists.
type usage struct {
	commands map[string]bool
	flags    map[string]bool // flag name (long or short) -> takes a value
	// takesArgs: a usage line has arguments of its own beside its
	// subcommands (`lab chaos ACTION [TARGETS]` and `lab chaos [command]`).
	takesArgs bool
}

// Check checks one simple command (see Commands). Commands of programs
// other than the binaries, go and man pass.
func (c *Checker) Check(ctx context.Context, words []string) error {
	words = stripPrefix(words)
	if len(words) == 0 {
		return nil
	}
	prog := filepath.Base(words[0])
	switch {
	case c.Bins[prog] != "":
		return c.checkBinary(ctx, prog, words[1:])
	case words[0] == "go":
		return c.checkGo(ctx, words[1:])
	case words[0] == "man":
		for _, a := range words[1:] {
			if !strings.HasPrefix(a, "-") {
				if err := c.checkPath(a); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// stripPrefix drops what runs a command without being it: VAR=value
// assignments, sudo, env, time and exec with their flags.
func stripPrefix(words []string) []string {
	for len(words) > 0 {
		w := words[0]
		switch {
		case slices.Contains([]string{"sudo", "env", "time", "exec"}, filepath.Base(w)):
			words = words[1:]
			for len(words) > 0 && strings.HasPrefix(words[0], "-") { // sudo -E, time -v
				words = words[1:]
			}
		case assignment.MatchString(w):
			words = words[1:]
		default:
			return words
		}
	}
	return words
}

// checkGo checks the packages and files go is given: ./paths and the
// module's import paths must exist; go run ./cmd/NAME of one of the
// binaries checks the rest of its line as NAME's arguments.
func (c *Checker) checkGo(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return nil
	}
	sub, args := args[0], args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o" || a == "-ldflags" || a == "-tags" || a == "-run" || a == "-bench" || a == "-benchtime" || a == "-fuzz" || a == "-fuzztime" || a == "-count" || a == "-timeout":
			i++ // the value
		case strings.HasPrefix(a, "-"):
		case strings.HasPrefix(a, "./") || strings.HasPrefix(a, "../") || a == "." || strings.HasPrefix(a, ModulePath+"/"):
			rel := strings.TrimPrefix(a, ModulePath+"/")
			rel, _, _ = strings.Cut(rel, "@")
			if err := c.checkPath(strings.TrimSuffix(strings.TrimSuffix(rel, "..."), "/")); err != nil {
				return err
			}
			if name := filepath.Base(rel); sub == "run" && c.Bins[name] != "" && filepath.Dir(filepath.Clean(rel)) == "cmd" {
				return c.checkBinary(ctx, name, args[i+1:])
			}
			if sub == "run" {
				return nil // the rest are the program's arguments
			}
		}
	}
	return nil
}

func (c *Checker) checkPath(rel string) error {
	if rel == "" {
		rel = "."
	}
	if filepath.IsAbs(rel) || strings.HasPrefix(filepath.Clean(rel), "..") {
		return fmt.Errorf("%s: a path outside the repository", rel)
	}
	if _, err := os.Stat(filepath.Join(c.Root, rel)); err != nil {
		return fmt.Errorf("%s: not in the repository", rel)
	}
	return nil
}

// checkBinary walks prog's arguments: flags must be listed by the help
// of the (sub)command they follow, and a word where the help lists
// subcommands must be one of them.
func (c *Checker) checkBinary(ctx context.Context, prog string, args []string) error {
	var path []string
	u, err := c.usage(ctx, prog, path)
	if err != nil {
		return err
	}
	positional := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.Join(append([]string{prog}, path...), " ")
		switch {
		case a == "--":
			return nil
		case strings.HasPrefix(a, "-") && a != "-":
			flag, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			takes, ok := u.flags[flag]
			if !ok {
				return fmt.Errorf("%s: unknown flag %s (%s --help lists none such)", name, a, name)
			}
			if takes && !hasValue {
				i++
			}
		case c.Stdlib[prog] && len(path) > 0:
			return nil // the standard library's flags end at the first argument
		case !positional && len(u.commands) > 0 && !u.commands[a] && u.takesArgs:
			positional = true
		case !positional && len(u.commands) > 0:
			if !u.commands[a] {
				return fmt.Errorf("%s: unknown command %q", name, a)
			}
			path = append(path, a)
			if u, err = c.usage(ctx, prog, path); err != nil {
				return err
			}
		default:
			positional = true
		}
	}
	return nil
}

// usage runs prog's help for the subcommand path once and parses it.
func (c *Checker) usage(ctx context.Context, prog string, path []string) (usage, error) {
	key := strings.Join(append([]string{prog}, path...), " ")
	if u, ok := c.helps[key]; ok {
		return u, nil
	}
	helpFlag := "--help"
	if c.Stdlib[prog] && len(path) > 0 {
		helpFlag = "-h"
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, c.Bins[prog], append(append([]string(nil), path...), helpFlag)...).CombinedOutput()
	var u usage
	switch {
	case c.Stdlib[prog]:
		// The standard library's -h exits 0 or 2: the output says.
		if !strings.Contains(string(out), "usage") {
			return usage{}, fmt.Errorf("%s %s: no usage in its output (%v)\n%s", key, helpFlag, err, out)
		}
		u = parseStdlibHelp(string(out), len(path) == 0)
	case err != nil:
		return usage{}, fmt.Errorf("%s --help: %w\n%s", key, err, out)
	default:
		u = parseCobraHelp(string(out))
	}
	if c.helps == nil {
		c.helps = map[string]usage{}
	}
	c.helps[key] = u
	return u, nil
}

var (
	// assignment: VAR=value before a command.
	assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	// cobraFlag: "  -C, --dir string   lab directory", "      --json   print JSON".
	cobraFlag = regexp.MustCompile(`^\s+(?:-([A-Za-z0-9]), )?--([A-Za-z0-9][A-Za-z0-9-]*)( [A-Za-z]+)?(?:\s{2,}|$)`)
	// stdlibFlag: "  -bind IP[:PORT]", "  -leave-on-terminate".
	stdlibFlag = regexp.MustCompile(`^  -([A-Za-z0-9][A-Za-z0-9._-]*)( \S.*)?$`)
	// stdlibCommand: "  agent        run the gossip agent".
	stdlibCommand = regexp.MustCompile(`^  ([a-z][a-z-]*)\s{2,}\S`)
)

// parseCobraHelp reads the "Available Commands:", "Flags:" and "Global
// Flags:" sections of a cobra command's help.
func parseCobraHelp(out string) usage {
	u := usage{commands: map[string]bool{}, flags: map[string]bool{}}
	section := ""
	for _, line := range strings.Split(out, "\n") {
		if line == "" || !strings.HasPrefix(line, " ") {
			section = strings.TrimSuffix(strings.TrimSpace(line), ":")
			continue
		}
		switch section {
		case "Usage":
			u.takesArgs = u.takesArgs || usageTakesArgs(line)
		case "Available Commands":
			u.commands[strings.Fields(line)[0]] = true
		case "Flags", "Global Flags":
			if m := cobraFlag.FindStringSubmatch(line); m != nil {
				takes := m[3] != ""
				u.flags[m[2]] = takes
				if m[1] != "" {
					u.flags[m[1]] = takes
				}
			}
		}
	}
	return u
}

// usageTakesArgs reports whether a cobra usage line names arguments
// (ACTION, [TARGETS], [args]...) besides the command's words, [flags] and
// [command].
func usageTakesArgs(line string) bool {
	for _, f := range strings.Fields(line) {
		if f == "[flags]" || f == "[command]" {
			continue
		}
		if strings.HasPrefix(f, "[") || strings.ToUpper(f) == f {
			return true
		}
	}
	return false
}

// parseStdlibHelp reads a usage in the standard library's style: the
// command list of the top level, or a subcommand's PrintDefaults.
func parseStdlibHelp(out string, top bool) usage {
	u := usage{commands: map[string]bool{}, flags: map[string]bool{}}
	for _, line := range strings.Split(out, "\n") {
		if top {
			if m := stdlibCommand.FindStringSubmatch(line); m != nil {
				u.commands[m[1]] = true
			}
			continue
		}
		if m := stdlibFlag.FindStringSubmatch(line); m != nil {
			u.flags[m[1]] = m[2] != ""
		}
	}
	if !top {
		u.flags["h"], u.flags["help"] = false, false
	}
	return u
}
