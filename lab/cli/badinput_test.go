package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/lab/cli"
)

// badLabFiles are lab.hcl texts every command must refuse with a clear
// error: syntax, types, ranges, names that could reach a Vagrantfile,
// hostile sizes and shapes.
var badLabFiles = map[string]string{
	"unclosed block":           "agent {\n",
	"unclosed string":          `name = "abc` + "\n",
	"stray brace":              "}\n",
	"attribute twice":          "nodes = 3\nnodes = 4\n",
	"unknown attribute":        "nodez = 3\n",
	"unknown block":            "provisioner { x = 1 }\n",
	"unknown agent key":        "agent {\n  profil = \"lan\"\n}\n",
	"two agent blocks":         "agent {}\nagent {}\n",
	"nodes as string":          `nodes = "many"` + "\n",
	"nodes as list":            "nodes = [1, 2]\n",
	"nodes zero":               "nodes = 0\n",
	"nodes negative":           "nodes = -5\n",
	"nodes huge":               "nodes = 99999999999\n",
	"nodes fractional":         "nodes = 2.5\n",
	"nodes past the max":       "nodes = 100000\n",
	"memory too small":         "memory = 1\n",
	"memory negative":          "memory = -512\n",
	"memory absurd":            "memory = 1e15\n",
	"cpus zero":                "cpus = 0\n",
	"cpus huge":                "cpus = 100000\n",
	"name empty":               `name = ""` + "\n",
	"name uppercase":           `name = "Lab"` + "\n",
	"name with dot":            `name = "a.b"` + "\n",
	"name with slash":          `name = "a/b"` + "\n",
	"name with quote":          `name = "a'b"` + "\n",
	"name ruby interpolation":  `name = "x#{system('id')}"` + "\n",
	"name too long":            `name = "` + strings.Repeat("a", 33) + `"` + "\n",
	"name 5 MB":                `name = "` + strings.Repeat("a", 900_000) + `"` + "\n",
	"name with newline":        `name = "a\nb"` + "\n",
	"name with NUL":            `name = "a\u0000b"` + "\n",
	"name unicode":             `name = "ünïcode"` + "\n",
	"memory as string":         `memory = "big"` + "\n",
	"provider unknown":         `provider = "docker"` + "\n",
	"provider empty":           `provider = ""` + "\n",
	"provider case":            `provider = "NetNS"` + "\n",
	"prefix with space":        `prefix = "we b"` + "\n",
	"prefix ruby":              `prefix = "w'; system('id'); '"` + "\n",
	"prefix long hostname":     `prefix = "` + strings.Repeat("p", 70) + `"` + "\n",
	"box injection":            `box = "debian/bookworm64'; system('id')"` + "\n",
	"box two slashes":          `box = "a/b/c"` + "\n",
	"box empty":                `box = ""` + "\n",
	"box version injection":    `box_version = ">= 1'; exit"` + "\n",
	"subnet not cidr":          `subnet = "192.168.56.0"` + "\n",
	"subnet garbage":           `subnet = "zzz"` + "\n",
	"subnet ipv6":              `subnet = "fd00::/64"` + "\n",
	"subnet host bits":         `subnet = "192.168.56.7/24"` + "\n",
	"subnet loopback":          `subnet = "127.0.0.0/8"` + "\n",
	"subnet multicast":         `subnet = "224.0.0.0/24"` + "\n",
	"subnet too small":         "nodes = 100\n" + `subnet = "192.168.56.0/28"` + "\n",
	"subnet is nat":            `subnet = "10.0.2.0/24"` + "\n",
	"first host zero":          "first_host = 0\n",
	"first host one":           "first_host = 1\n",
	"ssh port zero":            "ssh_port_base = 0\n",
	"ssh port privileged":      "ssh_port_base = 22\n",
	"ssh port past 65535":      "nodes = 10\nssh_port_base = 65530\n",
	"linked clone string":      `linked_clone = "yes"` + "\n",
	"agent profile unknown":    "agent {\n  profile = \"fast\"\n}\n",
	"agent join unknown":       "agent {\n  join = \"dns\"\n}\n",
	"agent seeds zero":         "agent {\n  seeds = 0\n}\n",
	"agent encrypt string":     "agent {\n  encrypt = \"on\"\n}\n",
	"group without label":      "group {\n  nodes = \"web_1\"\n}\n",
	"group bad name":           "group \"Web\" {\n  nodes = \"web_1\"\n}\n",
	"group twice":              "group \"a\" {\n  nodes = \"web_1\"\n}\ngroup \"a\" {\n  nodes = \"web_2\"\n}\n",
	"group no nodes":           "group \"a\" {\n}\n",
	"group unknown node":       "group \"a\" {\n  nodes = \"web_99\"\n}\n",
	"group range past end":     "group \"a\" {\n  nodes = \"web_[1-99]\"\n}\n",
	"group bad tag name":       "group \"a\" {\n  nodes = \"web_1\"\n  tags = { \"bad key\" = \"v\" }\n}\n",
	"group tag newline":        "group \"a\" {\n  nodes = \"web_1\"\n  tags = { k = \"a\\nb\" }\n}\n",
	"group tags over 512 B":    "group \"a\" {\n  nodes = \"web_1\"\n  tags = { a = \"" + strings.Repeat("x", 250) + "\", b = \"" + strings.Repeat("y", 250) + "\" }\n}\n",
	"group tags not a map":     "group \"a\" {\n  nodes = \"web_1\"\n  tags = [\"a\"]\n}\n",
	"function call":            "nodes = max(1, 2)\n",
	"variable reference":       "nodes = var.n\n",
	"nested parentheses":       "nodes = " + strings.Repeat("(", 70000) + "1" + strings.Repeat(")", 70000) + "\n",
	"nested lists":             "nodes = " + strings.Repeat("[", 50000) + "\n",
	"bang chain":               "linked_clone = " + strings.Repeat("!", 200000) + "true\n",
	"operator chain":           "nodes = 1" + strings.Repeat("+1", 200000) + "\n",
	"template nesting":         "name = " + strings.Repeat(`"${`, 30000) + "\n",
	"over 1 MB":                "# " + strings.Repeat("x", 1<<20) + "\n",
	"binary garbage":           "\x00\x01\x02\xff\xfe\x7f{{{",
	"invalid utf-8":            "name = \"\xff\xfe\"\n",
	"json instead of hcl":      `{"nodes": 3, "provider": "netns", "bogus": true}`,
	"yaml instead of hcl":      "nodes: 3\nprovider: netns\n",
	"heredoc unterminated":     "name = <<EOT\nabc\n",
	"ruby vagrantfile pasted":  "Vagrant.configure(\"2\") do |config|\nend\n",
	"only a comment then junk": "# fine\n@@@\n",
}

// badFlags are command lines refused before anything is made.
var badFlags = [][]string{
	{"init", "--nodes", "0"},
	{"init", "--nodes", "-1"},
	{"init", "--nodes", "abc"},
	{"init", "--nodes", "100000"},
	{"init", "--memory", "12"},
	{"init", "--cpus", "0"},
	{"init", "--name", "Bad.Name"},
	{"init", "--name", strings.Repeat("n", 5<<20)},
	{"init", "--provider", "hyperv"},
	{"init", "--prefix", "a b"},
	{"init", "--box", "x'; system('id')"},
	{"init", "--box-version", "1'; exit"},
	{"init", "--subnet", "10.0.2.0/24"},
	{"init", "--subnet", "not-a-cidr"},
	{"init", "--subnet", "192.168.56.1/24"},
	{"init", "--ssh-port-base", "80"},
	{"init", "--ssh-port-base", "70000"},
	{"init", "--profile", "turbo"},
	{"init", "--unknown-flag"},
	{"init", "extra-arg"},
	{"plan", "--nodes", "0"},
	{"plan", "--subnet", "::1/128"},
	{"plan", "--profile", "x"},
	{"up", "--nodes", "0"},
	{"up", "--parallel", "0"},
	{"up", "--parallel", "-3"},
	{"up", "--timeout", "0"},
	{"up", "--timeout", "-1s"},
	{"up", "--verify-timeout", "0"},
	{"up", "--agent", "consul"},
	{"up", "--name", "x/../../etc"},
	{"up", "--subnet", "0.0.0.0/0"},
	{"up", "--memory", "-1"},
	{"up", "--nodes", "3", "--ssh-port-base", "65534"},
	{"up", "stray"},
	{"provision", "--parallel", "0"},
	{"provision", "--agent", "nomad"},
	{"members", "--timeout", "0"},
	{"members", "--agent", "x"},
	{"chaos"},
	{"chaos", "explode"},
	{"chaos", "loss", "150"},
	{"chaos", "loss", "-3"},
	{"chaos", "delay", "-1s", "--all"},
	{"chaos", "partition", "web_1"},
	{"chaos", "run"},
	{"chaos", "kill-agent", "--random", "-1"},
	{"chaos", "halt", "web_1", "--timeout", "-1s"},
	{"halt"},
	{"reload"},
	{"ssh"},
	{"status", "--bogus"},
	{"destroy", "extra"},
	{"doctor", "extra"},
	{"nonsense-command"},
}

// TestBadInputIsRefusedCleanly runs every command on every bad lab file,
// and every bad command line in an empty directory: each must exit
// non-zero with a short error that names the problem, without a panic,
// within seconds, and write nothing.
func TestBadInputIsRefusedCleanly(t *testing.T) {
	cases := 0
	names := make([]string, 0, len(badLabFiles))
	for name := range badLabFiles {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, cmd := range [][]string{{"init"}, {"plan"}, {"up"}, {"status"}, {"destroy", "--force"}, {"chaos", "halt", "web_1"}} {
			cases++
			t.Run(name+"/"+cmd[0], func(t *testing.T) {
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, "lab.hcl"), []byte(badLabFiles[name]), 0o644); err != nil {
					t.Fatal(err)
				}
				refusedCleanly(t, dir, cmd)
			})
		}
	}
	for _, args := range badFlags {
		cases++
		label := strings.Join(args, " ")
		if len(label) > 60 {
			label = label[:60]
		}
		t.Run("flags/"+label, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "lab")
			refusedCleanly(t, dir, args)
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("a refused command created %s", dir)
			}
		})
	}
	if cases < 100 {
		t.Errorf("%d cases; keep at least 100", cases)
	}
}

// refusedCleanly runs lab with args in dir and checks the refusal.
func refusedCleanly(t *testing.T, dir string, args []string) {
	t.Helper()
	before := listTree(t, filepath.Dir(dir))
	var out, errOut bytes.Buffer
	env := &cli.Env{
		Logger:    slog.New(slog.NewTextHandler(&errOut, nil)),
		Streams:   cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut},
		Providers: vagrantProviders(), // nothing here may boot a lab for real
		Version:   "test",
	}
	done := make(chan int, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("panic: %v", r)
				done <- -1
			}
		}()
		done <- cli.Run(context.Background(), env, append([]string{"--dir", dir}, args...))
	}()
	var code int
	select {
	case code = <-done:
	case <-time.After(time.Minute): // a hang, not a slow machine: refusals take milliseconds
		t.Fatalf("lab %s: still running after a minute", strings.Join(args, " "))
	}
	msg := errOut.String()
	switch {
	case code == 0:
		t.Errorf("exit 0, want a refusal\nstdout: %.300s\nstderr: %.300s", out.String(), msg)
	case !strings.HasPrefix(msg, "lab: ") && !strings.Contains(msg, "\nlab: "):
		t.Errorf("no error message on stderr: %.300q", msg)
	case len(msg) > 4000:
		t.Errorf("an error of %d bytes: quote long input shortened", len(msg))
	case strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic"):
		t.Errorf("a trace on stderr: %.300s", msg)
	}
	if after := listTree(t, filepath.Dir(dir)); after != before {
		t.Errorf("a refused command wrote files:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// listTree lists the files under root with their sizes.
func listTree(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		info, _ := d.Info()
		if info != nil {
			fmt.Fprintf(&b, "%s %d\n", p, info.Size())
		}
		return nil
	})
	return b.String()
}
