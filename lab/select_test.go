package lab

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gossiplab/gossiplab/internal/hint"
)

func TestSelect(t *testing.T) {
	spec := DefaultSpec()
	spec.Nodes = 12
	all := spec.NodeNames()
	tests := []struct {
		name    string
		sel     []string
		want    []string
		wantErr string
	}{
		{name: "exact", sel: []string{"web_3"}, want: []string{"web_3"}},
		{name: "comma list in lab order", sel: []string{"web_5,web_2"}, want: []string{"web_2", "web_5"}},
		{name: "numeric range", sel: []string{"web_[6-10]"}, want: []string{"web_6", "web_7", "web_8", "web_9", "web_10"}},
		{name: "range is not a character class", sel: []string{"web_[1-2]"}, want: []string{"web_1", "web_2"}},
		{name: "glob", sel: []string{"web_1*"}, want: []string{"web_1", "web_10", "web_11", "web_12"}},
		{name: "shell negation in a glob", sel: []string{"web_[!1-5]"}, want: []string{"web_6", "web_7", "web_8", "web_9"}},
		{name: "duplicates removed", sel: []string{"web_1", "web_[1-2]"}, want: []string{"web_1", "web_2"}},
		{name: "unknown name", sel: []string{"db_1"}, wantErr: "valid nodes are web_[1-12]"},
		{name: "range past the end", sel: []string{"web_[10-13]"}, wantErr: "web_13, which is not a node"},
		{name: "reversed range", sel: []string{"web_[5-1]"}, wantErr: "bad range"},
		{name: "glob matching nothing", sel: []string{"db_*"}, wantErr: `no node matches "db_*"`},
		{name: "empty", sel: []string{""}, wantErr: "no nodes selected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Select(all, tt.sel)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(hint.Text(err), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	got := Summarize([]string{"web_1", "web_2", "web_3", "web_5", "db_1"})
	if want := "web_[1-3], web_5, db_1"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Zero-padded names (an inventory's web01) are not a range: web[1-3]
	// would select web1 .. web3.
	got = Summarize([]string{"web01", "web02", "web03", "web10", "web11", "web12"})
	if want := "web01, web02, web03, web[10-12]"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// An inventory's zero-padded names take a zero-padded range.
func TestSelectZeroPaddedRange(t *testing.T) {
	got, err := Select([]string{"web08", "web09", "web10", "web11"}, []string{"web[09-10]"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"web09", "web10"}, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}
