package box

import (
	"encoding/xml"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/golden"
)

// testBuilder is a builder for rendering, with a fixed package list.
func testBuilder(t *testing.T, agent string) *builder {
	t.Helper()
	o, err := Options{Outputs: []Output{{Provider: Libvirt}}, SourceDateEpoch: 1_700_000_000, Agent: agent}.withDefaults(time.Unix(1_700_000_000, 0))
	if err != nil {
		t.Fatal(err)
	}
	b := newBuilder(o, "/work", []aptSource{{"http://deb.debian.org/debian", "bookworm"}})
	b.res.Kernel = "6.1.0-57-cloud-amd64"
	b.res.Installed = []Package{{"linux-image-cloud-amd64", "6.1.192-3", "amd64"}, {"sudo", "1.9.13p3-1+deb12u4", "amd64"}}
	return b
}

func TestCustomizeScript(t *testing.T) {
	for _, tc := range []struct{ name, agent, golden string }{
		{"plain", "", "customize.sh"},
		{"with agent", "/opt/it's/labagent", "customize-agent.sh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := testBuilder(t, "")
			b.o.Agent = tc.agent
			text, err := render("customize.sh.tmpl", b.customizeParams())
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, tc.golden, text)
			if sh, err := exec.LookPath("sh"); err == nil {
				cmd := exec.Command(sh, "-n", "/dev/stdin")
				cmd.Stdin = strings.NewReader(string(text))
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("sh -n: %s %v", out, err)
				}
			}
		})
	}
}

func TestBoxFiles(t *testing.T) {
	b := testBuilder(t, "")
	for _, tc := range []struct{ tmpl, golden string }{
		{"Vagrantfile.libvirt.tmpl", "libvirt.Vagrantfile"},
	} {
		text, err := render(tc.tmpl, b.o)
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, tc.golden, text)
	}
	vf, err := render("Vagrantfile.virtualbox.tmpl", struct{ Name, BaseMAC string }{b.o.Name, baseMAC(b.o.Name)})
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "virtualbox.Vagrantfile", vf)
	ovf, err := render("box.ovf.tmpl", ovfParams{Name: "gossiplab-bookworm", Disk: vmdkName, DiskBytes: 123, Capacity: 8 << 30, MemoryMB: 512, CPUs: 1})
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "box.ovf", ovf)
	if err := xml.Unmarshal(ovf, new(struct{})); err != nil {
		t.Errorf("box.ovf is not XML: %v", err)
	}
	man, err := b.manifest()
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "manifest.txt", man)
}

func TestBaseMAC(t *testing.T) {
	mac := baseMAC(DefaultName)
	if len(mac) != 12 || !strings.HasPrefix(mac, "080027") || strings.ToUpper(mac) != mac {
		t.Errorf("baseMAC = %q", mac)
	}
}
