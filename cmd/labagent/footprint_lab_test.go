package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

// BenchmarkIdleCluster52LabBinary is BenchmarkIdleCluster52 with the lab
// binary as the agent, as lab provisions it when no labagent binary is
// given (lab started under the name labagent is labagent): the target is
// the same, RSS <= 15 MB per idle agent.
//
//	go test -run '^$' -bench IdleCluster52LabBinary -benchtime 1x ./cmd/labagent/
func BenchmarkIdleCluster52LabBinary(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "labagent")
	if out, err := exec.Command("go", "build", "-o", bin, "../lab").CombinedOutput(); err != nil {
		b.Fatalf("go build ../lab: %v\n%s", err, out)
	}
	idleCluster(b, func(name, ip, seed string) []string {
		args := []string{bin, "agent", "-node", name, "-bind", ip + ":7946", "-rpc-addr", ip + ":7373", "-log-level", "warn"}
		if seed != "" {
			args = append(args, "-retry-join", seed, "-retry-interval", "500ms")
		}
		return args
	}, func(ip string) (int, error) {
		c, err := rpc.Dial(context.Background(), ip+":7373", "")
		if err != nil {
			return 0, err
		}
		defer c.Close()
		var res rpc.MembersResult
		if err := c.Call(context.Background(), rpc.CmdMembers, nil, &res); err != nil {
			return 0, err
		}
		alive := 0
		for _, m := range res.Members {
			if m.Status == "alive" {
				alive++
			}
		}
		return alive, nil
	})
}
