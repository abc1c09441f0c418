package box

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The root tests build the boxes once per test binary (both providers
// from one disk) and share them. They need root and the build tools; CI
// installs them (.ci/run).

var record = flag.Bool("record", false, "save the outputs of the real vagrant run under testdata/vagrant-libvirt")

// built is the boxes the root tests share.
var built struct {
	once sync.Once
	dir  string
	res  *Result
	err  error
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// sharedBoxes builds the libvirt and VirtualBox boxes on first use, with
// a stand-in labagent.
func sharedBoxes(t *testing.T) *Result {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to build a box")
	}
	if err := checkHost(0, hostLookPath); err != nil {
		t.Skipf("cannot build a box here: %v", err)
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "box-test-"); built.err != nil {
			return
		}
		// A stand-in for labagent, which the boot test runs.
		agent := filepath.Join(built.dir, "labagent")
		if built.err = os.WriteFile(agent, []byte("#!/bin/sh\necho labagent stand-in\n"), 0o755); built.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		built.res, built.err = Build(ctx, Options{Agent: agent, Outputs: []Output{
			{Provider: Libvirt, Path: filepath.Join(built.dir, "libvirt.box")},
			{Provider: VirtualBox, Path: filepath.Join(built.dir, "virtualbox.box")},
		}})
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	for _, s := range built.res.Phases {
		t.Logf("build phase %-10s %-10s %6.1fs", s.Phase, s.Provider, s.Took.Seconds())
	}
	return built.res
}

// TestBuildCancelledRoot interrupts a build while mmdebstrap works (as
// Ctrl-C does) and checks that nothing is left: no temporary directory,
// no mount, no box file.
func TestBuildCancelledRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to build a box")
	}
	if err := checkHost(0, hostLookPath); err != nil {
		t.Skipf("cannot build a box here: %v", err)
	}
	work, out := t.TempDir(), filepath.Join(t.TempDir(), "x.box")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cancelIn := func(s Step) {
		if s.Phase == PhaseRootfs && !s.Done {
			time.AfterFunc(10*time.Second, cancel) // mmdebstrap is installing by then
		}
	}
	_, err := Build(ctx, Options{Outputs: []Output{{Provider: Libvirt, Path: out}}, WorkDir: work, Progress: progressFunc(cancelIn)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want it cancelled", err)
	}
	if entries, _ := os.ReadDir(work); len(entries) > 0 {
		t.Errorf("left in the work directory: %v", entries)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a cancelled build wrote the box")
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mounts), work) {
		t.Errorf("mounts under %s are left:\n%s", work, mounts)
	}
}

type progressFunc func(Step)

func (f progressFunc) Report(s Step) { f(s) }

func boxPath(t *testing.T, res *Result, p Provider) string {
	t.Helper()
	for _, b := range res.Boxes {
		if b.Provider == p {
			t.Logf("%s box: %s, %.1f MB", p, b.Path, float64(b.Size)/1e6)
			return b.Path
		}
	}
	t.Fatalf("no %s box in %+v", p, res.Boxes)
	return ""
}

// needTools skips the test unless the programs are on PATH.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
}

// vagrantEnv is the environment of the tests' vagrant: its own home, and
// a catalog URL that reaches nothing, so that nothing leaves the host.
func vagrantEnv(tb testing.TB) []string {
	return []string{
		"VAGRANT_HOME=" + tb.TempDir(),
		"VAGRANT_CHECKPOINT_DISABLE=1",
		"VAGRANT_BOX_UPDATE_CHECK_DISABLE=1",
		"VAGRANT_SERVER_URL=http://127.0.0.1:9",
	}
}

// save writes a command's output under testdata/vagrant-libvirt when the
// tests run with -record.
func save(tb testing.TB, name, out string) {
	tb.Helper()
	if !*record || name == "" {
		return
	}
	dir := filepath.Join("testdata", "vagrant-libvirt")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(out), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkBuildRoot builds the libvirt box once per iteration and
// reports its size and the duration of each phase:
//
//	go test -run '^$' -bench BuildRoot -benchtime 1x ./box/
func BenchmarkBuildRoot(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root to build a box")
	}
	secs := map[Phase]float64{}
	var size float64
	for i := 0; i < b.N; i++ {
		res, err := Build(context.Background(), Options{Outputs: []Output{{Provider: Libvirt, Path: filepath.Join(b.TempDir(), "libvirt.box")}}})
		if err != nil {
			b.Fatal(err)
		}
		size += float64(res.Boxes[0].Size) / 1e6
		for _, s := range res.Phases {
			secs[s.Phase] += s.Took.Seconds()
		}
	}
	n := float64(b.N)
	b.ReportMetric(size/n, "MB-box")
	for p, s := range secs {
		b.ReportMetric(s/n, "s-"+string(p))
	}
}
