package chaos

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseScenario(t *testing.T) {
	in := `# crash, come back, split, heal
halt web_3            # graceful
wait converged

reload web_3 --timeout 90s
wait 10s
partition 'web_[1-5]' "web_[6-10]"
heal
loss 30% --scope gossip --ports 7946-7950
delay 50ms web_1,web_2
kill-agent --random 2 --seed 7
stop-agent --tag role=front
halt --all --force
up --all
`
	sc, err := ParseScenario("s.chaos", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sc.Steps {
		got = append(got, itoa(s.Line)+": "+s.Req.String())
	}
	want := []string{
		"2: halt web_3",
		"3: wait converged",
		"5: reload web_3 --timeout 1m30s",
		"6: wait 10s",
		"7: partition 'web_[1-5]' 'web_[6-10]'",
		"8: heal",
		"9: loss 30 --all",
		"10: delay 50ms web_1,web_2",
		"11: kill-agent --random 2 --seed 7",
		"12: stop-agent --tag role=front",
		"13: halt --all --force",
		"14: up --all",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	loss := sc.Steps[6].Req
	if loss.Scope != ScopeGossip || loss.Ports != (PortRange{7946, 7950}) || loss.Percent != 30 {
		t.Errorf("loss step: %+v", loss)
	}
	if d := sc.Steps[1].Req; !d.Converged {
		t.Errorf("wait converged: %+v", d)
	}
	if d := sc.Steps[3].Req; d.For != 10*time.Second {
		t.Errorf("wait 10s: %+v", d)
	}
}

func TestParseScenarioErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"unknown action", "halt web_1\nexplode web_2\n", []string{"f:2: unknown action \"explode\""}},
		{"unknown flag", "halt web_1 --sideways\n", []string{"f:1: halt: unknown flag: --sideways"}},
		{"every bad line", "partition web_1\n\nloss lots\nwait forever\n", []string{
			"f:1: partition needs two groups",
			"f:3: loss \"lots\" is not a percentage",
			"f:4: wait \"forever\"",
		}},
		{"quote", "halt 'web_1\n", []string{"f:1: unterminated ' quote"}},
		{"nested run", "run other.chaos\n", []string{"f:1: a scenario cannot run another scenario"}},
		{"force elsewhere", "reload web_1 --force\n", []string{"f:1: --force is for halt only"}},
		{"no targets", "kill-agent\n", []string{"f:1: kill-agent needs target nodes"}},
		{"empty", "# nothing\n\n", []string{"f: no steps"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScenario("f", strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`halt web_3`, []string{"halt", "web_3"}},
		{`  partition  'web_[1-5]'   "web_[6-10]" `, []string{"partition", "web_[1-5]", "web_[6-10]"}},
		{`halt a#b # comment`, []string{"halt", "a#b"}},
		{`x "a \"q\" b" c\ d`, []string{"x", `a "q" b`, "c d"}},
		{`# only`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := splitWords(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestScenarioCheck(t *testing.T) {
	l := testLab(t, 5)
	sc, err := ParseScenario("s", strings.NewReader("halt web_3\nwait converged\nreload web_9\npartition web_1 'db_*'\nkill-agent --tag role=db\nheal\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = sc.Check(l)
	for _, want := range []string{`s:3: no node matches "web_9"`, `s:4: partition group B: no node matches "db_*"`, "s:5: no node has tags role=db"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "s:1:") {
		t.Errorf("a good line reported: %v", err)
	}
}
