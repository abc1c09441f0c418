//go:build linux

package netns

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/lab"
)

// BenchmarkRootUpDestroy times the boot phase of lab up (namespaces,
// links, holders, sshd reachable through the forwarder on every node) and
// destroy, and reports the host memory the running lab takes:
//
//	go test -run '^$' -bench RootUpDestroy -benchtime 1x ./lab/provider/netns/
func BenchmarkRootUpDestroy(b *testing.B) {
	for _, n := range []int{52, 250} {
		b.Run("nodes="+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				p, l := testLab(b, n)
				ctx := context.Background()
				before := memAvailableMB(b)
				start := time.Now()
				if err := p.Up(ctx, l, l.NodeNames(), lab.UpOptions{Parallel: 8}); err != nil {
					b.Fatal(err)
				}
				up := time.Since(start)
				time.Sleep(time.Second) // let the holders settle before measuring memory
				used := before - memAvailableMB(b)
				pss := labPSSMB(b, p, l)
				start = time.Now()
				if err := p.Destroy(ctx, l); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(up.Seconds(), "up-s")
				b.ReportMetric(time.Since(start).Seconds(), "destroy-s")
				b.ReportMetric(float64(used), "host-MB")
				b.ReportMetric(pss, "pss-MB")
			}
		})
	}
}

func memAvailableMB(b *testing.B) int {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) > 1 && string(f[0]) == "MemAvailable:" {
			kb, _ := strconv.Atoi(string(f[1]))
			return kb / 1024
		}
	}
	b.Fatal("no MemAvailable in /proc/meminfo")
	return 0
}

// labPSSMB sums the proportional set size of every process of the lab.
func labPSSMB(b *testing.B, p *Provider, l *lab.Lab) float64 {
	v, err := p.labProcs(l)
	if err != nil {
		b.Fatal(err)
	}
	kb := 0
	for _, pr := range v.procs {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pr.pid) + "/smaps_rollup")
		if err != nil {
			continue
		}
		for _, line := range bytes.Split(data, []byte{'\n'}) {
			if f := bytes.Fields(line); len(f) > 1 && string(f[0]) == "Pss:" {
				n, _ := strconv.Atoi(string(f[1]))
				kb += n
			}
		}
	}
	return float64(kb) / 1024
}
