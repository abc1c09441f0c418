//go:build linux

package netns

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/lab"
)

// childUp is the test binary re-run as a lab up that the parent kills.
func childUp(dir string) int {
	var spec lab.Spec
	if err := json.Unmarshal([]byte(os.Getenv("NETNS_TEST_SPEC")), &spec); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	l := lab.New(dir, spec)
	p := New(slog.New(slog.DiscardHandler), Options{})
	err := p.Up(context.Background(), l, l.NodeNames(), lab.UpOptions{Parallel: 1, Progress: func(node string, ph lab.Phase) {
		fmt.Printf("%s %s\n", node, ph)
	}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestRootUpKilledMidwayThenUpCompletes(t *testing.T) {
	p, l := testLab(t, 8)
	spec, _ := json.Marshal(l.Spec)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "NETNS_TEST_UP_DIR="+l.Paths.Dir, "NETNS_TEST_SPEC="+string(spec))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	booted := 0
	for booted < 3 && sc.Scan() {
		if strings.HasSuffix(sc.Text(), string(lab.PhaseBooted)) {
			booted++
		}
	}
	_ = cmd.Process.Kill() // kill -9
	_ = cmd.Wait()
	if booted < 3 {
		t.Fatalf("child lab up ended before booting 3 nodes")
	}
	st := states(t, p, l)
	if st["web_8"] == lab.StateRunning {
		t.Fatalf("the killed lab up finished before it was killed: %v", st)
	}

	// A half-made node: its namespace exists, nothing in it.
	ns := nodeNS(l.Spec.Name, "web_8")
	if err := ipBatch(context.Background(), p.opts.Runner, "", true, []string{"netns del " + ns, "netns add " + ns}); err != nil {
		t.Fatal(err)
	}
	left, err := p.Leftovers(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(left, "\n"), "web_8: node half made") {
		t.Errorf("leftovers do not report the half-made web_8: %q", left)
	}
	if err := p.Up(context.Background(), l, l.NodeNames(), lab.UpOptions{Parallel: 4}); err != nil {
		t.Fatal(err)
	}
	wantStates(t, p, l, nil, lab.StateRunning)
	for _, n := range l.NodeNames() {
		if out, err := sshRun(t, l, n, "hostname"); err != nil {
			t.Errorf("%s: %v %s", n, err, out)
		}
	}
}
