package lab

import (
	"strings"
	"testing"
)

// Hostile lab files end with a clear error, quickly, instead of a stack
// overflow or a long evaluation.
func TestParseFileRefusesHostileShapes(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"parentheses", "nodes = " + strings.Repeat("(", 70000) + "1" + strings.Repeat(")", 70000) + "\n", "nested more than 64 levels"},
		{"brackets", "nodes = " + strings.Repeat("[", 70000) + "\n", "nested more than 64 levels"},
		{"objects", "nodes = " + strings.Repeat("{a=", 70000) + "\n", "nested more than 64 levels"},
		{"templates", "name = " + strings.Repeat(`"${`, 30000) + "\n", "nested more than 64 levels"},
		{"bangs", "linked_clone = " + strings.Repeat("!", 200000) + "true\n", "nested more than 64 levels"},
		{"minuses", "nodes = " + strings.Repeat("- ", 200000) + "1\n", "nested more than 64 levels"},
		{"operator chain", "nodes = 1" + strings.Repeat("+1", 200000) + "\n", "an expression of more than 10000 tokens"},
		{"conditional chain", "nodes = " + strings.Repeat("true ? 1 : ", 50000) + "1\n", "an expression of more than 10000 tokens"},
		{"list across lines", "nodes = [\n" + strings.Repeat("1,\n", 20000) + "]\n", "an expression of more than 10000 tokens"},
		{"too large", "# " + strings.Repeat("x", MaxLabFileSize) + "\n", "more than a lab file may hold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParseFile("lab.hcl", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if len(err.Error()) > 400 {
				t.Errorf("error of %d bytes: it should not echo the input", len(err.Error()))
			}
		})
	}
}

func TestParseFileAcceptsOrdinaryNesting(t *testing.T) {
	src := `nodes = (((3)))
name = "a${"b"}c"
group "web" {
  nodes = "web_[1-2]"
  tags  = { role = "web", "zone" = "a" }
}
`
	spec, _, err := ParseFile("lab.hcl", []byte(src))
	if err != nil || spec.Nodes != 3 || spec.Name != "abc" {
		t.Fatalf("got %+v, %v", spec, err)
	}
}
