package watch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/internal/golden"
)

// cannedRunner answers snapshot commands with fixed member lists; a node
// without one fails as ssh does when it cannot connect.
type cannedRunner map[string][]Listed

func (c cannedRunner) Run(_ context.Context, node, cmd string) ([]byte, error) {
	ls, ok := c[node]
	if !ok {
		return nil, errors.New("ssh failed: connect to host port 22: No route to host")
	}
	var b strings.Builder
	b.WriteString(`{"journal_last_seq": 3}` + "\n" + `{"members": [`)
	for i, l := range ls {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"name": %q, "status": %q}`, l.Name, l.State)
	}
	b.WriteString("]}\n")
	return []byte(b.String()), nil
}

func (cannedRunner) Stream(context.Context, string, string, func([]byte)) error {
	return errors.New("no streams")
}

func TestOnceGolden(t *testing.T) {
	nodes := names("web_", 6)
	alive := allAlive(nodes)
	failed := allAlive(nodes)
	failed[3].State = Failed
	run := cannedRunner{"web_1": alive, "web_2": failed, "web_3": failed, "web_5": failed, "web_6": alive[:5]}
	f, err := NewFeed(Config{Runner: run, Agent: Labagent(labagentCmd), Observers: nodes, Nodes: nodes})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	err = Once(context.Background(), f, &b, 0, Options{Palette: NewPalette(nil, UnicodeGlyphs(), false)})
	var na *NoAnswerError
	if !errors.As(err, &na) || strings.Join(na.Nodes, ",") != "web_4" {
		t.Errorf("err = %v, want no answer from web_4", err)
	}
	golden.Check(t, "once.txt", []byte(b.String()))
}
