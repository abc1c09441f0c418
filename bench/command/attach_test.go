package command

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/bench"
)

// fakeCluster is a backend that runs on an existing cluster of 6 nodes
// (as the lab backend does): every observer learns after one second.
type fakeCluster struct {
	attachedTo string
	detached   int
	sizes      []int
}

func (c *fakeCluster) Name() string { return bench.BackendLab }

func (c *fakeCluster) Attach(_ context.Context, dir string) (*bench.Attachment, error) {
	c.attachedTo = dir
	return &bench.Attachment{Nodes: 6, Profile: "lan", Info: &bench.LabInfo{Dir: dir, Name: "l6", Provider: "fake", Nodes: 6, SharedClock: true},
		Detach: func() error { c.detached++; return nil }}, nil
}

func (c *fakeCluster) Run(_ context.Context, spec bench.Spec, done func(int, []bench.Sample)) error {
	c.sizes = append(c.sizes, spec.N)
	for run := range spec.Runs {
		var s []bench.Sample
		for i := range spec.N - 1 {
			s = append(s, bench.Sample{Backend: c.Name(), N: spec.N, Run: run, Observer: "n" + string(rune('a'+i)), Event: spec.Event,
				Latency: time.Second, Learned: true, Timeout: time.Minute})
		}
		done(run, s)
	}
	return nil
}

func runWith(t *testing.T, c *fakeCluster, args ...string) (stdout string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := NewRoot(Streams{In: strings.NewReader(""), Out: &out, Err: &errb}, func(log *slog.Logger) *bench.Registry {
		r := bench.DefaultRegistry(log)
		r.Add(c)
		return r
	})
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestConvergeAttachedCluster(t *testing.T) {
	c := &fakeCluster{}
	out := t.TempDir()
	stdout, err := runWith(t, c, "converge", "--backend", "lab,sim", "--event", "fail", "--runs", "2", "--lab-dir", "/labs/l6", "--out", out, "--json")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := bench.DecodeSummary([]byte(stdout))
	if err != nil {
		t.Fatal(err)
	}
	if c.attachedTo != "/labs/l6" || c.detached != 1 {
		t.Errorf("attached to %q, detached %d times; want /labs/l6, once", c.attachedTo, c.detached)
	}
	if diff := cmp.Diff([]int{6}, c.sizes); diff != "" {
		t.Errorf("sizes run (-want +got):\n%s", diff)
	}
	var got []string
	for _, g := range sum.Groups {
		got = append(got, g.Key().String())
	}
	want := []string{"lab/fail/N=6", "sim/fail/N=6"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	if l := sum.Environment.Lab; l == nil || l.Name != "l6" || sum.Environment.Flags["lab-dir"] != "/labs/l6" || sum.Environment.Flags["nodes"] != "6" {
		t.Errorf("environment: lab %+v, flags %v; want the lab l6 and its size", l, sum.Environment.Flags)
	}
}

func TestConvergeAttachedClusterRefuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"other size", []string{"--nodes", "10"}, "hint: omit --nodes with --backend lab, or pass --nodes 6"},
		{"a sweep", []string{"--nodes", "6,10"}, "runs on the lab's 6 nodes only"},
		{"other profile", []string{"--profile", "wan"}, "hint: pass --profile lan"},
		{"knob overrides", []string{"--fanout", "4"}, "do not apply to the lab backend"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeCluster{}
			out := t.TempDir()
			args := append([]string{"converge", "--backend", "lab,sim", "--out", out}, tt.args...)
			_, err := runWith(t, c, args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
			if c.detached != 1 || len(c.sizes) > 0 {
				t.Errorf("detached %d times, ran %v; want detached once, no run", c.detached, c.sizes)
			}
			if entries, _ := os.ReadDir(out); len(entries) > 0 {
				t.Errorf("a refused experiment made a results directory")
			}
		})
	}
}
