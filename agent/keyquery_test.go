package agent_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/agenttest"
)

// TestKeyRotationClusterWide: install a new key everywhere, make it the
// primary, remove the old one, all from one agent; the cluster stays
// together and a newcomer with only the new key joins.
func TestKeyRotationClusterWide(t *testing.T) {
	ctx := t.Context()
	k1, _ := agent.GenerateKey()
	k2, _ := agent.GenerateKey()
	key1, _ := agent.DecodeKey(k1)
	c := agenttest.NewCluster(t, ctx, 3, agenttest.Options{Configure: func(i int, cfg *agent.Config) {
		cfg.EncryptKey = key1
	}})
	c.WaitConverged(t, waitLong)
	steps := []struct {
		op   agent.KeyOp
		key  string
		want []string
	}{
		{agent.KeyInstall, k2, []string{k1, k2}},
		{agent.KeyUse, k2, []string{k2, k1}},
		{agent.KeyRemove, k1, []string{k2}},
	}
	for _, s := range steps {
		kctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		res, err := c.Agents[0].KeysCluster(kctx, s.op, s.key)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", s.op, err)
		}
		if res.Asked != 2 || res.Responded != 2 || len(res.Errors) != 0 {
			t.Fatalf("%s: %+v, want both other members to answer without error", s.op, res)
		}
		for _, a := range c.Agents {
			got, _ := a.Keys(agent.KeyList, "")
			if !slices.Equal(got, s.want) {
				t.Errorf("after %s, %s has keys %v, want %v", s.op, a.Name(), got, s.want)
			}
		}
	}
	c.WaitConverged(t, waitLong)
	cfg := agenttest.Config("newcomer", agenttest.Addr(c.Subnet, 9))
	cfg.EncryptKey, _ = agent.DecodeKey(k2)
	n := agenttest.Start(t, ctx, cfg)
	if _, err := n.Join(ctx, []string{c.Agents[1].Addr().String()}); err != nil {
		t.Fatalf("newcomer with the new key: %v", err)
	}
}
