package box

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/hint"
)

func TestOptionsDefaults(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	now := time.Unix(1_700_000_000, 0)
	o, err := Options{Outputs: []Output{{Provider: Libvirt}, {Provider: VirtualBox, Path: "/tmp/x.box"}}}.withDefaults(now)
	if err != nil {
		t.Fatal(err)
	}
	want := []Output{{Libvirt, "gossiplab-bookworm-libvirt.box"}, {VirtualBox, "/tmp/x.box"}}
	if diff := cmp.Diff(want, o.Outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	if o.Name != DefaultName || o.SourceDateEpoch != now.Unix() || o.DiskGiB != 8 {
		t.Errorf("defaults: name %q, epoch %d, disk %d GiB", o.Name, o.SourceDateEpoch, o.DiskGiB)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1600000000")
	if o, _ = (Options{Outputs: want}).withDefaults(now); o.SourceDateEpoch != 1_600_000_000 {
		t.Errorf("SOURCE_DATE_EPOCH ignored: %d", o.SourceDateEpoch)
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"no output", Options{}, "no output"},
		{"unknown provider", Options{Outputs: []Output{{Provider: "docker"}}}, `provider "docker"`},
		{"provider twice", Options{Outputs: []Output{{Provider: Libvirt}, {Provider: Libvirt, Path: "b"}}}, "named twice"},
		{"bad name", Options{Name: "a b", Outputs: []Output{{Provider: Libvirt}}}, `box name "a b"`},
		{"two slashes", Options{Name: "a/b/c", Outputs: []Output{{Provider: Libvirt}}}, "box name"},
		{"missing agent", Options{Agent: "/nonexistent/labagent", Outputs: []Output{{Provider: Libvirt}}}, "agent"},
		{"disk too small", Options{DiskGiB: -1, Outputs: []Output{{Provider: Libvirt}}}, "disk size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.o.withDefaults(time.Now())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestDefaultPath(t *testing.T) {
	if got := DefaultPath("gossiplab/bookworm", VirtualBox); got != "gossiplab-bookworm-virtualbox.box" {
		t.Errorf("DefaultPath = %q", got)
	}
}

func TestCheckHost(t *testing.T) {
	all := func(string) (string, error) { return "/usr/bin/x", nil }
	none := func(name string) (string, error) { return "", exec.ErrNotFound }
	if err := checkHost(1000, all); err == nil || !strings.Contains(hint.Text(err), "hint: run it as root") {
		t.Errorf("not root: %v", err)
	}
	if err := checkHost(0, all); err != nil {
		t.Errorf("everything present: %v", err)
	}
	err := checkHost(0, none)
	if err == nil || !strings.Contains(hint.Text(err), "hint: apt-get install mmdebstrap qemu-utils e2fsprogs dosfstools mtools syslinux") {
		t.Errorf("nothing present: %v", err)
	}
}

func TestMirrorTrouble(t *testing.T) {
	for _, tc := range []struct {
		out  string
		want bool
	}{
		{"E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'", true},
		{"E: Unable to locate package linux-image-cloud-amd64", true},
		{"E: mmdebstrap: customize-hook failed", false},
	} {
		if got := mirrorTrouble(tc.out); got != tc.want {
			t.Errorf("mirrorTrouble(%q) = %v", tc.out, got)
		}
	}
}

func TestMmdebstrapErrorKeepsTheEnd(t *testing.T) {
	err := mmdebstrapError(errors.New("plain"))
	if err.Error() != "plain" {
		t.Errorf("a non-execx error changed: %v", err)
	}
}
