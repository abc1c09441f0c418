package hosts

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

var addrEqual = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

// fullHosts is what testdata/full.ini and full.yaml list, positions
// aside: Ansible's precedence (all, then shallower groups, then deeper,
// then the host), ranges, host:port, quoting, tags.
func fullHosts() []lab.Host {
	tags := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	return []lab.Host{
		{Name: "bastion", Address: "203.0.113.9", User: "root", LabIP: netip.MustParseAddr("10.0.0.2"), Tags: tags("region", "world")},
		{Name: "web01", Address: "web01", Port: 2200, User: "admin", IdentityFile: "keys/web_key", Tags: tags("region", "eu", "group", "web")},
		{Name: "web02", Address: "web02", Port: 2200, User: "admin", IdentityFile: "keys/web_key", Tags: tags("region", "eu", "group", "web")},
		{Name: "web03", Address: "10.0.0.13", Port: 2222, User: "root", IdentityFile: "keys/web_key", Tags: tags("region", "eu", "group", "web", "role", "front end")},
		{Name: "db-a", Address: "db.internal", User: "root", IdentityFile: "~/.ssh/eu_key", LabIP: netip.MustParseAddr("10.0.1.1"), Tags: tags("region", "eu", "group", "db")},
		{Name: "db-b", Address: "db.internal", User: "root", IdentityFile: "~/.ssh/eu_key", LabIP: netip.MustParseAddr("10.0.1.1"), Tags: tags("region", "eu", "group", "db")},
	}
}

func TestReadInventory(t *testing.T) {
	for _, file := range []string{"full.ini", "full.yaml"} {
		t.Run(file, func(t *testing.T) {
			got, err := ReadInventory(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(hint.Text(err))
			}
			want := fullHosts()
			for i := range want {
				want[i].FromInventory = true
			}
			if diff := cmp.Diff(want, got, addrEqual, cmpopts.IgnoreFields(lab.Host{}, "Pos")); diff != "" {
				t.Errorf("hosts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadInventoryPositions(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"full.ini", []string{"2", "5", "5", "6", "9", "9"}},
		{"full.yaml", []string{"4", "18", "18", "20", "28", "28"}},
	}
	for _, tt := range tests {
		got, err := ReadInventory(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(hint.Text(err))
		}
		var lines []string
		for _, h := range got {
			lines = append(lines, strings.TrimPrefix(h.Pos, filepath.Join("testdata", tt.file)+":"))
		}
		if diff := cmp.Diff(tt.want, lines); diff != "" {
			t.Errorf("%s: lines (-want +got):\n%s", tt.file, diff)
		}
	}
}

func TestReadInventoryBadInput(t *testing.T) {
	tests := []struct {
		name, file, src string
		want            []string
	}{
		{"section header", "h.ini", "[web\nweb1\n", []string{"h.ini:1: bad section header", "hint: write a section as [web]"}},
		{"section kind", "h.ini", "\n[web:hosts2]\n", []string{"h.ini:2: unknown section kind \"hosts2\""}},
		{"vars line", "h.ini", "[web:vars]\nansible_user\n", []string{"h.ini:2: [web:vars]: \"ansible_user\" is not key=value"}},
		{"host token", "h.ini", "[web]\nweb1 10.0.0.1\n", []string{"h.ini:2: \"10.0.0.1\" is not key=value", "hint: write host variables as key=value"}},
		{"quote", "h.ini", "web1 ansible_host='10.0.0.1\n", []string{"h.ini:1: unterminated ' quote"}},
		{"children line", "h.ini", "[eu:children]\nweb db\n", []string{"h.ini:2: [eu:children]: \"web db\" is not a group name"}},
		{"port", "h.ini", "web1 ansible_port=ssh\n", []string{"h.ini:1: host \"web1\": ansible_port=\"ssh\" is not a port"}},
		{"group port", "h.ini", "[web]\nweb1\n[web:vars]\nansible_port=99999\n", []string{"h.ini:4: host \"web1\": ansible_port=\"99999\" is not a port"}},
		{"lab ip", "h.ini", "web1 lab_ip=10.0.0\n", []string{"h.ini:1: host \"web1\": lab_ip=\"10.0.0\" is not an IP address"}},
		{"template", "h.ini", "web1 ansible_host=\"{{ lookup('env','X') }}\"\n", []string{"h.ini:1: host \"web1\": ansible_host", "is a template", "hint: write the value itself"}},
		{"connection", "h.ini", "web1 ansible_connection=winrm\n", []string{"h.ini:1: host \"web1\": ansible_connection=winrm: lab reaches hosts over SSH only"}},
		{"cycle", "h.ini", "[a:children]\nb\n[b:children]\na\n[a]\nweb1\n", []string{"h.ini: groups are children of each other", "a -> b -> a"}},
		{"range", "h.ini", "web[1:99999]\n", []string{"h.ini:1: host pattern \"web[1:99999]\" names 99999 hosts", "hint: a lab holds at most 4096 nodes"}},
		{"bad range", "h.ini", "web[5:1]\n", []string{"h.ini:1: host pattern \"web[5:1]\": [5:1] is not a range"}},
		{"too many", "h.ini", "a[1:3000]\nb[1:3000]\n", []string{"h.ini:2: more than 4096 hosts"}},
		{"yaml syntax", "h.yaml", "all:\n  hosts:\n    web1: {\n", []string{"h.yaml:", "hint: check the indentation"}},
		{"yaml top", "h.yaml", "- web1\n", []string{"h.yaml:1: an inventory is a mapping of groups"}},
		{"yaml group key", "h.yaml", "all:\n  host:\n    web1:\n", []string{"h.yaml:2: group \"all\": unknown key \"host\"", "hint: a group holds hosts:, vars: and children: only"}},
		{"yaml hosts list", "h.yaml", "all:\n  hosts:\n    - web1\n", []string{"h.yaml:3: hosts of group \"all\" are not a mapping"}},
		{"yaml value", "h.yaml", "all:\n  hosts:\n    web1:\n      ansible_host: [a, b]\n", []string{"h.yaml:4: ansible_host is not a plain value"}},
		{"yaml aliases", "h.yaml", "a: &a {vars: {x: 1}}\nb: &b {children: {c1: *a, c2: *a, c3: *a}}\n", nil}, // aliases are followed
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(path, []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadInventory(path)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("want no error, got %v", hint.Text(err))
				}
				return
			}
			if err == nil {
				t.Fatal("want an error")
			}
			got := strings.ReplaceAll(hint.Text(err), filepath.Dir(path)+"/", "")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("error lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// An inventory that is not a regular file (a FIFO nobody writes to) is
// refused at once instead of blocking lab.
func TestReadInventoryRefusesFIFOAndHugeFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "hosts.ini")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if _, err := ReadInventory(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("FIFO: %v", err)
	}
	big := filepath.Join(dir, "big.ini")
	if err := os.WriteFile(big, []byte(strings.Repeat("# padding\n", MaxInventorySize/10+1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadInventory(big); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("2 MB inventory: %v", err)
	}
	if _, err := ReadInventory(filepath.Join(dir, "none.ini")); err == nil || !strings.Contains(hint.Text(err), "no such file") {
		t.Errorf("missing inventory: %v", err)
	}
}

func TestExpandPattern(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"web1", []string{"web1"}},
		{"web[1:3]", []string{"web1", "web2", "web3"}},
		{"web[08:10]", []string{"web08", "web09", "web10"}},
		{"web[1:9:4]", []string{"web1", "web5", "web9"}},
		{"db-[a:c]", []string{"db-a", "db-b", "db-c"}},
		{"r[1:2]n[a:b]", []string{"r1na", "r1nb", "r2na", "r2nb"}},
	}
	for _, tt := range tests {
		got, err := expandPattern(tt.in, lab.MaxNodes)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestSplitPort(t *testing.T) {
	tests := []struct{ in, name, port string }{
		{"web1", "web1", ""},
		{"web1:2222", "web1", "2222"},
		{"web[01:09]", "web[01:09]", ""},
		{"web[01:09]:22", "web[01:09]", "22"},
		{"fe80::1", "fe80::1", ""},
	}
	for _, tt := range tests {
		if name, port := splitPort(tt.in); name != tt.name || port != tt.port {
			t.Errorf("splitPort(%q) = %q, %q; want %q, %q", tt.in, name, port, tt.name, tt.port)
		}
	}
}
