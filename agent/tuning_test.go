package agent

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/memberlist"
)

// TestTuningRoundTrip: apply and TuningOf map the same fields both ways;
// a zero field leaves memberlist's value.
func TestTuningRoundTrip(t *testing.T) {
	for _, name := range []string{"lan", "wan", "local"} {
		t.Run(name, func(t *testing.T) {
			want, err := ProfileTuning(name)
			if err != nil {
				t.Fatal(err)
			}
			c := memberlist.DefaultLANConfig()
			want.apply(c)
			if diff := cmp.Diff(want, TuningOf(c)); diff != "" {
				t.Errorf("applied onto the LAN config (-want +got):\n%s", diff)
			}
			Tuning{}.apply(c)
			if diff := cmp.Diff(want, TuningOf(c)); diff != "" {
				t.Errorf("the zero Tuning changed something (-want +got):\n%s", diff)
			}
			mc, err := Tuning{ProbeTimeout: time.Second}.memberlistConfig(name)
			if err != nil {
				t.Fatal(err)
			}
			want.ProbeTimeout = time.Second
			if diff := cmp.Diff(want, TuningOf(mc)); diff != "" {
				t.Errorf("one override (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := ProfileTuning("moon"); err == nil {
		t.Error("unknown profile accepted")
	}
}
