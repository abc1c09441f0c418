package watch

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/agenttest"
)

// TestFeedRealAgents watches five real labagent agents through their
// client commands: --once sees all alive; the live matrix fills, and
// after one agent is killed every other row shows it failed and its own
// row gives no answer, as the --json stream tells; --once then fails
// naming it.
// checkOne runs the check command of one member on the first observer,
// as a suspicion past the hold does.
func checkOne(t *testing.T, ctx context.Context, f *Feed, member string) {
	t.Helper()
	rx := f.Received()
	if err := f.check(ctx, 0, []string{member}); err != nil {
		t.Fatalf("check %s: %v", member, err)
	}
	if v := f.Matrix().View(); !v.Answered[0] || v.Cells[0][1] != Alive {
		t.Errorf("after the check the first row is %v", v.Cells[0])
	}
	t.Logf("checking one member took %d bytes", f.Received()-rx)
}

func TestFeedRealAgents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	c := startCluster(t, ctx, 5, false)
	cfg := Config{
		Runner: &localRunner{addrs: c.addrs}, Agent: Labagent(labagentCmd),
		Observers: c.nodes, Nodes: c.nodes, Interval: 200 * time.Millisecond, SuspectHold: 2 * time.Second,
	}
	once := func() (string, error) {
		f, err := NewFeed(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		err = Once(ctx, f, &b, 0, Options{Palette: NewPalette(nil, ASCIIGlyphs(), false)})
		return b.String(), err
	}
	out, err := once()
	if err != nil {
		t.Fatalf("once: %v\n%s", err, out)
	}
	if got := strings.Count(out, "A A A A A"); got != 5 {
		t.Errorf("once shows %d rows of 5 alive, want 5:\n%s", got, out)
	}

	f, err := NewFeed(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	start := time.Now()
	jctx, jcancel := context.WithCancel(ctx)
	jdone := make(chan error, 1)
	go func() { jdone <- JSON(jctx, f, pw); pw.Close() }()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("no snapshot line: %v", lines.Err())
	}
	var snap snapshotLine
	if err := json.Unmarshal(lines.Bytes(), &snap); err != nil || snap.Type != "snapshot" {
		t.Fatalf("first line %s: %v", lines.Bytes(), err)
	}
	waitMatrix(t, f.Matrix(), 10*time.Second, allAliveCond(c.nodes))
	t.Logf("snapshot line and full matrix of alive %s after the start", time.Since(start))
	checkOne(t, ctx, f, c.nodes[1])

	dead := c.nodes[2]
	killed := time.Now()
	if err := c.Agents[2].Shutdown(); err != nil {
		t.Fatal(err)
	}
	// memberlist's bound, the watch's interval, and a second for a busy
	// machine's late timers.
	bound := suspicionBound(agenttest.FastTuning(), len(c.nodes)) + cfg.Interval + time.Second
	took := waitMatrix(t, f.Matrix(), bound, failedCond(dead))
	t.Logf("%s failed in every other row %s after it was killed (bound %s)", dead, took, bound)

	jcancel()
	failedRows, noAnswer, worst := readChanges(t, lines, dead, killed)
	if err := <-jdone; err != nil {
		t.Errorf("json: %v", err)
	}
	if failedRows < len(c.nodes)-1 || noAnswer != 1 {
		t.Errorf("--json told %d rows seeing %s failed and %d no-answer of it; want %d and 1", failedRows, dead, noAnswer, len(c.nodes)-1)
	}
	t.Logf("slowest change applied %s after its journal recorded it", worst)

	out, err = once()
	var na *NoAnswerError
	if !errors.As(err, &na) || len(na.Nodes) != 1 || na.Nodes[0] != dead {
		t.Errorf("once after the kill: %v, want no answer from %s\n%s", err, dead, out)
	}
}

// suspicionBound is the longest memberlist takes to declare a crashed
// member of n failed with tu: a probe round, then the longest suspicion
// (6 times the base timeout, memberlist's SuspicionMaxTimeoutMult in
// every profile).
func suspicionBound(tu agent.Tuning, n int) time.Duration {
	base := time.Duration(float64(tu.SuspicionMult) * math.Max(1, math.Log10(float64(n))) * float64(tu.ProbeInterval))
	return tu.ProbeInterval + tu.ProbeTimeout + 6*base
}

// readChanges reads --json change lines to the end: how many rows saw
// dead fail after killed, how many said dead gives no answer, and the
// longest time from a journal's record to its change.
func readChanges(t *testing.T, lines *bufio.Scanner, dead string, killed time.Time) (failedRows, noAnswer int, worst time.Duration) {
	t.Helper()
	for lines.Scan() {
		var l changeLine
		if err := json.Unmarshal(lines.Bytes(), &l); err != nil {
			t.Fatalf("change line %s: %v", lines.Bytes(), err)
		}
		switch {
		case l.Type == "row" && l.Observer == dead && !*l.Answer:
			noAnswer++
		case l.Type == "cell" && l.Member == dead && *l.State == Failed && l.Time.After(killed):
			failedRows++
			if l.Recorded != nil {
				worst = max(worst, l.Time.Sub(*l.Recorded))
			}
		}
	}
	return failedRows, noAnswer, worst
}
