package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Next is the version the next release will have. A build that is no
// release reports Next-dev, and the release tool refuses to release any
// tag but vNext (or a pre-release of it). Right after a release, set it
// to the version that follows.
const Next = "0.1.0"

// Set by release builds with -ldflags -X (see the package doc). They are
// variables only because the linker can set nothing else; the program
// never changes them.
var (
	version  string
	commit   string
	date     string
	modified string // "true": a snapshot of a tree with uncommitted changes
)

// Info is one binary's build.
type Info struct {
	// Version has no leading "v" and parses with hashicorp/go-version.
	Version string `json:"version"`
	// Commit is the revision built, full or (from a pseudo-version) 12
	// hex digits; empty when unknown.
	Commit string `json:"commit,omitempty"`
	// Date is the commit's time, RFC 3339 in UTC; empty when unknown.
	Date string `json:"date,omitempty"`
	// Modified: the tree built had uncommitted changes.
	Modified bool `json:"modified,omitempty"`
	// Go is the toolchain that built the binary ("go1.26.8").
	Go string `json:"go,omitempty"`
	// Platform is GOOS/GOARCH.
	Platform string `json:"platform,omitempty"`
}

// Stamp is what a release build set with -ldflags -X; empty fields were
// not set.
type Stamp struct {
	Version, Commit, Date, Modified string
}

// Read returns the running binary's build.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return Resolve(bi, Stamp{Version: version, Commit: commit, Date: date, Modified: modified})
}

// Resolve is Read's work on given build info (nil when the binary has
// none) and linker stamp.
func Resolve(bi *debug.BuildInfo, s Stamp) Info {
	i := Info{Version: Next + "-dev", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if bi.GoVersion != "" {
			i.Go = bi.GoVersion
		}
		fromSettings(&i, bi.Settings)
		fromModule(&i, bi.Main.Version)
	}
	if s.Version != "" {
		i.Version = strings.TrimPrefix(s.Version, "v")
	}
	if s.Commit != "" {
		i.Commit = s.Commit
	}
	if s.Date != "" {
		i.Date = s.Date
	}
	if s.Modified != "" {
		i.Modified = s.Modified == "true"
	}
	return i
}

// fromSettings takes the vcs.* settings a go build in a checkout stamps.
func fromSettings(i *Info, settings []debug.BuildSetting) {
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			i.Commit = s.Value
		case "vcs.time":
			i.Date = utc(s.Value)
		case "vcs.modified":
			i.Modified = s.Value == "true"
		}
	}
}

// fromModule takes the main module's version: a release sets Version; a
// pseudo-version gives the commit and its date when the vcs settings did
// not; "(devel)" gives nothing. Go 1.24 and later add "+dirty" when the
// tree had uncommitted changes.
func fromModule(i *Info, v string) {
	v, dirty := strings.CutSuffix(v, "+dirty")
	if dirty {
		i.Modified = true
	}
	if !semver.IsValid(v) || semver.Build(v) != "" {
		return // "(devel)", "", or a version Go would not write
	}
	if !module.IsPseudoVersion(v) {
		i.Version = strings.TrimPrefix(v, "v")
		return
	}
	if i.Commit == "" {
		i.Commit, _ = module.PseudoVersionRev(v)
	}
	if t, err := module.PseudoVersionTime(v); err == nil && i.Date == "" {
		i.Date = t.UTC().Format(time.RFC3339)
	}
}

// utc rewrites an RFC 3339 time in UTC; anything else is kept as it is.
func utc(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.UTC().Format(time.RFC3339)
}

// Text is a version command's output: "NAME vVERSION", then the extra
// lines, then one line each for the commit (with "(modified)"), its date
// and the Go toolchain with the platform; a line whose value is unknown
// is left out. The first line stays "NAME vVERSION": scripts and
// provisioning read the version from it.
func (i Info) Text(name string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s v%s\n", name, i.Version)
	for _, l := range extra {
		b.WriteString(l + "\n")
	}
	switch {
	case i.Commit != "" && i.Modified:
		fmt.Fprintf(&b, "commit %s (modified)\n", i.Commit)
	case i.Commit != "":
		fmt.Fprintf(&b, "commit %s\n", i.Commit)
	case i.Modified:
		b.WriteString("commit unknown (modified)\n")
	}
	if i.Date != "" {
		fmt.Fprintf(&b, "date %s\n", i.Date)
	}
	if i.Go != "" {
		fmt.Fprintf(&b, "go %s\n", strings.TrimSpace(i.Go+" "+i.Platform))
	}
	return b.String()
}
