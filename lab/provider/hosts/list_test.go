package hosts

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

// openLab writes files into a lab directory and opens its lab as lab's
// commands do, with this provider in the registry.
func openLab(t *testing.T, files map[string]string) (*lab.Lab, error) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reg := lab.NewRegistry()
	reg.Register(New(nil, Options{Home: "/home/tester"}), false)
	l, err := lab.Open(context.Background(), dir, reg)
	if err != nil {
		return nil, hintText{strings.ReplaceAll(hint.Text(err), dir+"/", "")}
	}
	return l, nil
}

type hintText struct{ s string }

func (h hintText) Error() string { return h.s }

func TestListHostsInventoryAndBlocks(t *testing.T) {
	l, err := openLab(t, map[string]string{
		"lab.hcl": `name = "real"
provider = "hosts"
inventory = "hosts.ini"
host "extra" {
  address = "10.0.0.9"
  user = "ops"
  identity_file = "keys/ops"
}
group "front" {
  nodes = "web*"
  tags = { tier = "front" }
}
`,
		"hosts.ini": "[web]\nweb1 ansible_host=10.0.0.11\nweb2 ansible_host=10.0.0.12 ansible_port=2222\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range l.Nodes {
		got = append(got, n.Name+" "+n.IP.String()+" "+strings.Join(lab.SortedTags(n.Tags), ","))
	}
	want := []string{"web1 10.0.0.11 group=web,tier=front", "web2 10.0.0.12 group=web,tier=front", "extra 10.0.0.9 "}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	if sel, err := l.Select([]string{"web[1-2]"}, false); err != nil || len(sel) != 2 {
		t.Errorf("selector web[1-2]: %v %v", sel, err)
	}
	p := New(nil, Options{Home: t.TempDir()})
	eps, err := p.SSHEndpoints(context.Background(), l, []string{"extra"})
	if err != nil {
		t.Fatal(err)
	}
	want1 := lab.SSHEndpoint{Node: "extra", Host: "10.0.0.9", Port: 22, User: "ops", IdentityFile: filepath.Join(l.Paths.Dir, "keys/ops")}
	if diff := cmp.Diff(want1, eps[0]); diff != "" {
		t.Errorf("endpoint (-want +got):\n%s", diff)
	}
	// web2 names no key and the home directory has none.
	if _, err := p.SSHEndpoints(context.Background(), l, []string{"web2"}); err == nil || !strings.Contains(err.Error(), `hosts.ini:3: host "web2": no SSH key given`) {
		t.Errorf("web2 without a key: %v", err)
	}
}

func TestDefaultKeyAndHomeExpansion(t *testing.T) {
	home := t.TempDir()
	p := New(nil, Options{Home: home})
	h := lab.Host{Name: "web1", Address: "10.0.0.1", LabIP: netip.MustParseAddr("10.0.0.1"), Pos: "hosts.ini:2"}
	if _, err := p.endpoint("/lab", h); err == nil || !strings.Contains(hint.Text(err), "hosts.ini:2: host \"web1\": no SSH key given") {
		t.Errorf("no key anywhere: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".ssh", "id_rsa"), []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	ep, err := p.endpoint("/lab", h)
	if err != nil || ep.IdentityFile != filepath.Join(home, ".ssh", "id_rsa") || ep.User != "root" || ep.Port != 22 {
		t.Errorf("default key: %+v, %v", ep, err)
	}
	h.IdentityFile = "~/.ssh/other"
	if ep, _ := p.endpoint("/lab", h); ep.IdentityFile != filepath.Join(home, ".ssh", "other") {
		t.Errorf("~/ key: %s", ep.IdentityFile)
	}
}

func TestListedLabBadInput(t *testing.T) {
	head := "name = \"real\"\nprovider = \"hosts\"\n"
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"no hosts named", map[string]string{"lab.hcl": head},
			[]string{"provider hosts lists machines that exist, and lab.hcl names none", `hint: add inventory = "hosts.ini"`}},
		{"empty inventory", map[string]string{"lab.hcl": head + "inventory = \"hosts.ini\"\n", "hosts.ini": "# nobody\n"},
			[]string{"inventory: no hosts listed"}},
		{"dotted name", map[string]string{"lab.hcl": head + "inventory = \"hosts.ini\"\n", "hosts.ini": "\nweb1.example.com lab_ip=10.0.0.1\n"},
			[]string{`hosts.ini:2: host "web1.example.com": unusable as a node name`, "web1 ansible_host=web1.example.com"}},
		{"name without ip", map[string]string{"lab.hcl": head + "inventory = \"hosts.ini\"\n", "hosts.ini": "web1 ansible_host=web1.example.com\n"},
			[]string{`hosts.ini:1: host "web1": no lab IP: its address "web1.example.com" is not an IP`, "hint: set lab_ip"}},
		{"same lab ip", map[string]string{"lab.hcl": head + "inventory = \"hosts.ini\"\n", "hosts.ini": "web1 ansible_host=127.0.0.1 ansible_port=2300\nweb2 ansible_host=127.0.0.1 ansible_port=2301\n"},
			[]string{`hosts.ini:2: host "web2": lab IP 127.0.0.1 is also web1's`, "hint: give each host its own lab_ip"}},
		{"twice", map[string]string{"lab.hcl": head + "inventory = \"hosts.ini\"\nhost \"web1\" {\n  address = \"10.0.0.2\"\n}\n", "hosts.ini": "web1 ansible_host=10.0.0.1\n"},
			[]string{`lab.hcl:4: host "web1": listed twice (also at hosts.ini:1)`}},
		{"ipv6", map[string]string{"lab.hcl": head + "host \"web1\" {\n  lab_ip = \"fd00::1\"\n}\n"},
			[]string{`lab.hcl:3: host "web1": lab IP fd00::1 is not IPv4`}},
		{"bad lab_ip in block", map[string]string{"lab.hcl": head + "host \"web1\" {\n  lab_ip = \"ten\"\n}\n"},
			[]string{`lab.hcl:4:12: lab_ip: "ten" is not an IP address`}},
		{"group names nobody", map[string]string{"lab.hcl": head + "inventory = \"hosts.ini\"\ngroup \"db\" {\n  nodes = \"db*\"\n}\n", "hosts.ini": "web1 ansible_host=10.0.0.1\n"},
			[]string{`lab.hcl:5:11: group "db" nodes: no node matches "db*"`}},
		{"bad tag", map[string]string{"lab.hcl": head + "inventory = \"hosts.ini\"\n", "hosts.ini": "web1 ansible_host=10.0.0.1 lab_tag_a/b=1\n"},
			[]string{`hosts.ini:1: host "web1": invalid tag "a/b=1"`}},
		{"missing inventory", map[string]string{"lab.hcl": head + "inventory = \"nope.ini\"\n"},
			[]string{"inventory nope.ini: no such file"}},
		{"inventory for a made lab", map[string]string{"lab.hcl": "provider = \"other\"\ninventory = \"hosts.ini\"\n"},
			nil}, // a provider this registry lacks: core says so when it is used
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openLab(t, tt.files)
			if tt.want == nil {
				return
			}
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%s", w, err)
				}
			}
		})
	}
}
