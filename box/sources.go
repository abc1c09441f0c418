package box

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// aptSource is one Debian suite Build installs from (main only).
type aptSource struct {
	URI, Suite string
}

// line is the source as mmdebstrap takes it: an apt one-line entry.
// mmdebstrap finds the archive keyring itself.
func (s aptSource) line() string { return "deb " + s.URI + " " + s.Suite + " main" }

// debianSuites are the suites of the boxes' release that Build takes from
// the host's sources (backports and other releases are left out).
func debianSuites() []string { return []string{Suite, Suite + "-updates", Suite + "-security"} }

// sources returns what Build installs from: mirror's Suite when mirror is
// set, else the bookworm suites of the host's apt sources under root.
func sources(root, mirror string) ([]aptSource, error) {
	if mirror != "" {
		return []aptSource{{URI: strings.TrimRight(mirror, "/"), Suite: Suite}}, nil
	}
	etc := filepath.Join(root, "etc", "apt")
	files := []string{filepath.Join(etc, "sources.list")}
	for _, pat := range []string{"*.list", "*.sources"} {
		m, _ := filepath.Glob(filepath.Join(etc, "sources.list.d", pat))
		files = append(files, m...)
	}
	var all []aptSource
	for _, f := range files {
		data, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read apt sources: %w", err)
		}
		if strings.HasSuffix(f, ".sources") {
			all = append(all, parseDeb822(string(data))...)
		} else {
			all = append(all, parseOneLine(string(data))...)
		}
	}
	var keep []aptSource
	for _, s := range all {
		if slices.Contains(debianSuites(), s.Suite) && !slices.Contains(keep, s) {
			keep = append(keep, s)
		}
	}
	if !slices.ContainsFunc(keep, func(s aptSource) bool { return s.Suite == Suite }) {
		return nil, hint.Errorf(fmt.Sprintf("add one, e.g. a file /etc/apt/sources.list.d/debian.list holding \"deb http://deb.debian.org/debian %s main\"", Suite),
			"%w: /etc/apt/sources.list and sources.list.d name no Debian %s suite", ErrMirror, Suite)
	}
	return keep, nil
}

// parseOneLine reads "deb [options] uri suite component..." entries,
// keeping those with the main component.
func parseOneLine(text string) []aptSource {
	var out []aptSource
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "deb" {
			continue
		}
		f = f[1:]
		if len(f) > 0 && strings.HasPrefix(f[0], "[") {
			for len(f) > 0 && !strings.HasSuffix(f[0], "]") {
				f = f[1:]
			}
			if len(f) > 0 {
				f = f[1:]
			}
		}
		if len(f) >= 3 && slices.Contains(f[2:], "main") {
			out = append(out, aptSource{URI: strings.TrimRight(f[0], "/"), Suite: f[1]})
		}
	}
	return out
}

// parseDeb822 reads the stanzas of a .sources file, keeping enabled deb
// entries with the main component, one aptSource per URI and suite.
func parseDeb822(text string) []aptSource {
	var out []aptSource
	for _, stanza := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		fields := map[string]string{}
		key := ""
		for _, line := range strings.Split(stanza, "\n") {
			switch {
			case strings.HasPrefix(line, "#"):
			case strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t"):
				if key != "" {
					fields[key] += " " + strings.TrimSpace(line)
				}
			default:
				k, v, ok := strings.Cut(line, ":")
				if !ok {
					continue
				}
				key = strings.ToLower(strings.TrimSpace(k))
				fields[key] = strings.TrimSpace(v)
			}
		}
		if !slices.Contains(strings.Fields(fields["types"]), "deb") ||
			strings.EqualFold(fields["enabled"], "no") ||
			!slices.Contains(strings.Fields(fields["components"]), "main") {
			continue
		}
		for _, uri := range strings.Fields(fields["uris"]) {
			for _, suite := range strings.Fields(fields["suites"]) {
				out = append(out, aptSource{URI: strings.TrimRight(uri, "/"), Suite: suite})
			}
		}
	}
	return out
}
