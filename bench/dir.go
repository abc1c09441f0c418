package bench

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// Dir owns the paths of one results directory.
type Dir struct{ Path string }

// File names inside a results directory.
const (
	SamplesFile = "samples.csv"
	SummaryFile = "summary.json"
	ReportFile  = "report.md"
	HTMLFile    = "report.html"
)

// Samples returns the path of samples.csv.
func (d Dir) Samples() string { return filepath.Join(d.Path, SamplesFile) }

// Summary returns the path of summary.json.
func (d Dir) Summary() string { return filepath.Join(d.Path, SummaryFile) }

// Report returns the path of report.md.
func (d Dir) Report() string { return filepath.Join(d.Path, ReportFile) }

// HTMLReport returns the path of report.html.
func (d Dir) HTMLReport() string { return filepath.Join(d.Path, HTMLFile) }

// File returns the path of a file in the directory.
func (d Dir) File(name string) string { return filepath.Join(d.Path, name) }

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// CheckName reports whether name can be part of a results directory name.
func CheckName(name string) error {
	if !validName.MatchString(name) || len(name) > 64 {
		return fmt.Errorf("bad run name %q\nhint: use letters, digits, '.', '_' and '-' (at most 64), e.g. --name lan-join", name)
	}
	return nil
}

// CreateDir makes a new directory <root>/<UTC time>-<name>/ and never
// reuses an existing one: when the name is taken (two runs in the same
// second) a counter is appended.
func CreateDir(root, name string, now time.Time) (Dir, error) {
	if err := CheckName(name); err != nil {
		return Dir{}, err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return Dir{}, fmt.Errorf("create results root %s: %w", root, err)
	}
	base := now.UTC().Format("20060102T150405Z") + "-" + name
	for i := 1; i < 1000; i++ {
		p := filepath.Join(root, base)
		if i > 1 {
			p = fmt.Sprintf("%s.%d", p, i)
		}
		err := os.Mkdir(p, 0o755)
		if err == nil {
			return Dir{Path: p}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return Dir{}, fmt.Errorf("create results directory: %w", err)
		}
	}
	return Dir{}, fmt.Errorf("create results directory in %s: too many runs named %q this second", root, name)
}
