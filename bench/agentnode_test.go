package bench

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/agent"
)

// TestTuningCoversTheProfile: the simulator's presets are memberlist's
// profiles, so the agents bench starts for a preset run exactly the
// agent's profile, TCPTimeout included; an override reaches the agent.
func TestTuningCoversTheProfile(t *testing.T) {
	for _, name := range []string{"lan", "wan", "local"} {
		t.Run(name, func(t *testing.T) {
			p, err := NewProfile(name)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tuning(p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := agent.ProfileTuning(name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tuning (-agent profile +bench):\n%s", diff)
			}
			p.Config.GossipInterval, p.Config.GossipNodes = 50*time.Millisecond, 7
			got, _ = tuning(p)
			want.GossipInterval, want.GossipNodes = 50*time.Millisecond, 7
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("with overrides (-want +got):\n%s", diff)
			}
		})
	}
}
