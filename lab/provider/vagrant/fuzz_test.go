package vagrant

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/vagrantgen"
)

// FuzzLabFile feeds lab.hcl texts through the whole path a user's file
// takes: parse, validate, resolve the nodes, render the Vagrantfile. None
// may panic or take long; what passes validation must render, and no
// value may leave its single-quoted Ruby literal. CI runs it for a short
// while (.ci/run); `go test -fuzz FuzzLabFile ./lab/provider/vagrant`
// runs it for longer.
func FuzzLabFile(f *testing.F) {
	for _, seed := range []string{
		"",
		"nodes = 3\nprovider = \"libvirt\"\n",
		"name = \"l52\"\nnodes = 52\nmemory = 256\n",
		"group \"web\" {\n  nodes = \"web_[1-2]\"\n  tags = { role = \"web\" }\n}\nagent {\n  profile = \"wan\"\n  encrypt = false\n}\n",
		"box = \"debian/bookworm64\"\nbox_version = \">= 12.0\"\nsubnet = \"10.10.0.0/16\"\nfirst_host = 20\n",
		"prefix = \"db\"\nnodes = 2\nssh_port_base = 40000\nlinked_clone = false\ncpus = 2\n",
		"nodes = ((3))\nname = \"a${\"b\"}\"\n",
		"box = \"x'; system('id')\"\n",
		"name = \"" + strings.Repeat("(", 100) + "\"\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		spec, fsrc, err := lab.ParseFile("lab.hcl", src)
		if err != nil {
			return
		}
		if errs := spec.Validate(); len(errs) > 0 {
			if msg := lab.SpecError(errs, fsrc, nil).Error(); len(msg) > 64<<10 {
				t.Fatalf("an error of %d bytes", len(msg))
			}
			return
		}
		if spec.Provider != lab.ProviderVirtualBox && spec.Provider != lab.ProviderLibvirt {
			return // another provider's lab: no Vagrantfile (lab refuses the name unless registered)
		}
		if spec.Nodes > 300 {
			spec.Nodes = 300 // render time grows with N; the checks do not
		}
		l := lab.New(t.TempDir(), spec)
		vf, err := Vagrantfile(l)
		if err != nil {
			t.Fatalf("a valid lab does not render: %v\n%s", err, src)
		}
		if !utf8.Valid(vf) || vagrantgen.Inspect(vf) != vagrantgen.Generated {
			t.Fatalf("the Vagrantfile is not valid UTF-8 or not recognised as generated")
		}
		for _, n := range l.Nodes {
			if !bytes.Contains(vf, []byte("config.vm.define '"+n.Name+"' do")) {
				t.Fatalf("no machine %s in:\n%s", n.Name, vf)
			}
		}
		// Every value from the lab file sits in a single-quoted literal:
		// an odd count of unescaped quotes on a line would end one early.
		for _, line := range bytes.Split(vf, []byte("\n")) {
			if bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
				continue // the template's comments
			}
			if q := bytes.Count(line, []byte("'")) - bytes.Count(line, []byte(`\'`)); q%2 != 0 {
				t.Fatalf("a value left its quotes: %s", line)
			}
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v", d)
		}
	})
}
