package buildinfo

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
	goversion "github.com/hashicorp/go-version"
)

func TestResolve(t *testing.T) {
	const rev = "0b5150056c54dd75353bec3217a1974d4876f54c"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{
			{Key: "-trimpath", Value: "true"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: rev},
			{Key: "vcs.time", Value: "2026-12-03T13:14:44+01:00"},
			{Key: "vcs.modified", Value: modified},
		}
	}
	bi := func(v string, s []debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/gossiplab/gossiplab", Version: v}, Settings: s}
	}
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, tc := range []struct {
		name  string
		bi    *debug.BuildInfo
		stamp Stamp
		want  Info
	}{
		{
			name: "no build info",
			want: Info{Version: Next + "-dev", Go: runtime.Version(), Platform: platform},
		},
		{
			name: "checkout without vcs stamp",
			bi:   bi("(devel)", nil),
			want: Info{Version: Next + "-dev", Go: "go1.26.8", Platform: platform},
		},
		{
			name: "checkout with vcs stamp",
			bi:   bi("(devel)", vcs("false")),
			want: Info{Version: Next + "-dev", Commit: rev, Date: "2026-12-03T12:14:44Z", Go: "go1.26.8", Platform: platform},
		},
		{
			name: "checkout, Go's pseudo-version, uncommitted changes",
			bi:   bi("v0.0.0-20261203121444-0b5150056c54+dirty", vcs("true")),
			want: Info{Version: Next + "-dev", Commit: rev, Date: "2026-12-03T12:14:44Z", Modified: true, Go: "go1.26.8", Platform: platform},
		},
		{
			name: "go install at a release tag",
			bi:   bi("v0.2.0", nil),
			want: Info{Version: "0.2.0", Go: "go1.26.8", Platform: platform},
		},
		{
			name: "go install at a pre-release tag",
			bi:   bi("v0.2.0-rc.1", nil),
			want: Info{Version: "0.2.0-rc.1", Go: "go1.26.8", Platform: platform},
		},
		{
			name: "checkout at a release tag, modified",
			bi:   bi("v0.2.0+dirty", vcs("true")),
			want: Info{Version: "0.2.0", Commit: rev, Date: "2026-12-03T12:14:44Z", Modified: true, Go: "go1.26.8", Platform: platform},
		},
		{
			name: "go install at a commit after a tag",
			bi:   bi("v0.2.1-0.20261203121444-0b5150056c54", nil),
			want: Info{Version: Next + "-dev", Commit: "0b5150056c54", Date: "2026-12-03T12:14:44Z", Go: "go1.26.8", Platform: platform},
		},
		{
			name: "go install at a commit after a pre-release tag",
			bi:   bi("v0.2.0-rc.1.0.20261203121444-0b5150056c54", nil),
			want: Info{Version: Next + "-dev", Commit: "0b5150056c54", Date: "2026-12-03T12:14:44Z", Go: "go1.26.8", Platform: platform},
		},
		{
			name:  "release build: the linker stamp wins",
			bi:    bi("(devel)", vcs("true")),
			stamp: Stamp{Version: "v0.2.0", Commit: "abc", Date: "2026-12-01T00:00:00Z", Modified: "false"},
			want:  Info{Version: "0.2.0", Commit: "abc", Date: "2026-12-01T00:00:00Z", Go: "go1.26.8", Platform: platform},
		},
		{
			name:  "snapshot of a modified tree",
			bi:    bi("(devel)", nil),
			stamp: Stamp{Version: Next + "-dev", Commit: rev, Date: "2026-12-01T00:00:00Z", Modified: "true"},
			want:  Info{Version: Next + "-dev", Commit: rev, Date: "2026-12-01T00:00:00Z", Modified: true, Go: "go1.26.8", Platform: platform},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Resolve(tc.bi, tc.stamp)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Resolve (-want +got):\n%s", diff)
			}
			// Provisioning reads labagent's version with go-version.
			if _, err := goversion.NewVersion(got.Version); err != nil {
				t.Errorf("version %q does not parse: %v", got.Version, err)
			}
		})
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct {
		name  string
		info  Info
		extra []string
		want  string
	}{
		{
			name: "release",
			info: Info{Version: "0.2.0", Commit: "abc", Date: "2026-12-01T00:00:00Z", Go: "go1.26.8", Platform: "linux/amd64"},
			want: "lab v0.2.0\ncommit abc\ndate 2026-12-01T00:00:00Z\ngo go1.26.8 linux/amd64\n",
		},
		{
			name:  "labagent keeps its protocol line second",
			info:  Info{Version: "0.1.0-dev", Commit: "abc", Modified: true, Go: "go1.26.8", Platform: "darwin/arm64"},
			extra: []string{"protocol 1"},
			want:  "labagent v0.1.0-dev\nprotocol 1\ncommit abc (modified)\ngo go1.26.8 darwin/arm64\n",
		},
		{
			name: "go install at a tag: no commit known",
			info: Info{Version: "0.2.0", Go: "go1.26.8", Platform: "linux/arm64"},
			want: "bench v0.2.0\ngo go1.26.8 linux/arm64\n",
		},
		{
			name: "modified, commit unknown",
			info: Info{Version: "0.1.0-dev", Modified: true},
			want: "bench v0.1.0-dev\ncommit unknown (modified)\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "lab"
			switch {
			case len(tc.extra) > 0:
				name = "labagent"
			case tc.info.Commit == "":
				name = "bench"
			}
			if diff := cmp.Diff(tc.want, tc.info.Text(name, tc.extra...)); diff != "" {
				t.Errorf("Text (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNextParses: Next is a plain release version, so that Next-dev
// sorts just before the release it leads to.
func TestNextParses(t *testing.T) {
	v, err := goversion.NewVersion(Next)
	if err != nil || v.Prerelease() != "" || v.Metadata() != "" || v.Original() != v.Core().String() {
		t.Errorf("Next = %q: want MAJOR.MINOR.PATCH (%v)", Next, err)
	}
	dev, _ := goversion.NewVersion(Next + "-dev")
	if !dev.LessThan(v) {
		t.Errorf("%s-dev does not sort before %s", Next, Next)
	}
}
