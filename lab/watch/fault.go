package watch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
)

// Fault is the last fault lab chaos injected, as its fault file holds it:
//
//	{"action": "kill-agent", "targets": ["web_3"], "injected": "2026-12-03T12:00:00.123456789Z"}
//
// injected is RFC 3339 with nanoseconds, in UTC.
type Fault struct {
	Action   string    `json:"action"`
	Targets  []string  `json:"targets"`
	Injected time.Time `json:"injected"`
}

// WriteFault writes f to path atomically (lab chaos calls it after each
// injection).
func WriteFault(path string, f Fault) error {
	f.Injected = f.Injected.UTC()
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode fault: %w", err)
	}
	if err := atomicfile.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write fault file %s: %w", path, err)
	}
	return nil
}

// ReadFault reads a fault file; ok is false when there is none yet.
func ReadFault(path string) (f Fault, ok bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Fault{}, false, nil
	}
	if err != nil {
		return Fault{}, false, fmt.Errorf("read fault file: %w", err)
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return Fault{}, false, fmt.Errorf("fault file %s: %w", path, err)
	}
	return f, true, nil
}

// faultSource re-reads the fault file when it changes.
type faultSource struct {
	path  string
	mtime time.Time
	size  int64
	fault Fault
	ok    bool
	err   error
}

func (s *faultSource) get() (Fault, bool, error) {
	if s.path == "" {
		return Fault{}, false, nil
	}
	st, err := os.Stat(s.path)
	if err != nil {
		s.mtime, s.ok, s.err = time.Time{}, false, nil
		if !errors.Is(err, fs.ErrNotExist) {
			s.err = err
		}
		return s.fault, s.ok, s.err
	}
	if st.ModTime().Equal(s.mtime) && st.Size() == s.size {
		return s.fault, s.ok, s.err
	}
	s.mtime, s.size = st.ModTime(), st.Size()
	s.fault, s.ok, s.err = ReadFault(s.path)
	return s.fault, s.ok, s.err
}

// describe writes the fault line of the footer.
func describeFault(f Fault, ok bool, err error, now time.Time, loc *time.Location) string {
	switch {
	case err != nil:
		return "last fault: " + err.Error()
	case !ok:
		return "last fault: none injected yet"
	}
	targets := strings.Join(f.Targets, ",")
	if len(f.Targets) > 4 {
		targets = strings.Join(f.Targets[:3], ",") + fmt.Sprintf(",… (%d)", len(f.Targets))
	}
	return fmt.Sprintf("last fault: %s %s, %s ago (%s)", f.Action, targets, ago(now.Sub(f.Injected)), f.Injected.In(loc).Format("15:04:05.000"))
}

// ago writes a duration the way a clock is read: 4.2s, 3m07s, 2h05m.
func ago(d time.Duration) string {
	switch {
	case d < 0:
		return "0.0s"
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
