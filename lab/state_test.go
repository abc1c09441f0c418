package lab

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
)

func TestStateRoundTripAndMerge(t *testing.T) {
	p := Paths{Dir: t.TempDir()}
	if _, ok, err := LoadState(p); ok || err != nil {
		t.Fatalf("empty dir: ok=%v err=%v", ok, err)
	}
	spec := DefaultSpec()
	l := New(p.Dir, spec)
	st := NewState(l)
	st.Node("web_2").Status = StateRunning
	if err := SaveState(p, st, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	got, ok, err := LoadState(p)
	if err != nil || !ok {
		t.Fatalf("load: ok=%v err=%v", ok, err)
	}
	if got.Node("web_2").Status != StateRunning || got.Node("web_3").IP != "192.168.56.13" {
		t.Errorf("state = %+v", got)
	}
	spec.Nodes = 4
	merged := MergeState(got, NewState(New(p.Dir, spec)))
	if merged.Node("web_2").Status != StateRunning || merged.Node("web_4").Status != StateNotCreated {
		t.Errorf("merged = %+v", merged)
	}
}

func TestLoadStateCorrupt(t *testing.T) {
	p := Paths{Dir: t.TempDir()}
	os.MkdirAll(p.StateDir(), 0o755)
	os.WriteFile(p.StateFile(), []byte("{not json"), 0o644)
	_, _, err := LoadState(p)
	if err == nil || !strings.Contains(hint.Text(err), "hint:") {
		t.Fatalf("err = %v", err)
	}
}

func TestLockExcludesSecondHolder(t *testing.T) {
	p := Paths{Dir: t.TempDir()}
	l1, err := AcquireLock(p, "lab up")
	if err != nil {
		t.Fatal(err)
	}
	// flock is per open file description: a second open in this process
	// conflicts just as another process would.
	_, err = AcquireLock(p, "lab up")
	if !errors.Is(err, ErrLocked) || !strings.Contains(hint.Text(err), "lab up") {
		t.Fatalf("second acquire: %v", err)
	}
	// The hint is the message's last line, with no errno after it.
	if lines := strings.Split(hint.Text(err), "\n"); !strings.HasPrefix(lines[len(lines)-1], "hint: ") || strings.Contains(hint.Text(err), "temporarily unavailable") {
		t.Errorf("second acquire's message:\n%v", err)
	}
	l1.Release()
	l1.Release() // idempotent
	l2, err := AcquireLock(p, "lab status")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()
}
