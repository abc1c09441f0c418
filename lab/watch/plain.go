package watch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/lab"
)

// NoAnswerError is what Once returns when some observers gave no answer.
type NoAnswerError struct {
	Nodes []string
}

func (e *NoAnswerError) Error() string {
	return "no answer from the agent of " + lab.Summarize(e.Nodes)
}

// Hint says what to do (hint.All finds it).
func (e *NoAnswerError) Hint() string {
	return "lab chaos start-agent starts a stopped agent; lab status shows the nodes that are down"
}

// Once asks every observer for its member list once and prints the
// matrix as text (width 0: every member a column of its own). It returns
// a *NoAnswerError when some observer gave no answer.
func Once(ctx context.Context, f *Feed, w io.Writer, width int, opts Options) error {
	f.Once(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	v := f.Matrix().View()
	st := v.Stats()
	sc := Screen{Width: width, Title: f.cfg.Agent.Name() + " · ", Loc: opts.Loc}
	frame := Render(v, st, sc, opts.Palette)
	var b strings.Builder
	for _, l := range frame.Lines {
		b.WriteString(strings.TrimRight(l, " "))
		b.WriteByte('\n')
	}
	var silent []string
	for i, ok := range v.Answered {
		if !ok {
			silent = append(silent, v.Observers[i])
			fmt.Fprintf(&b, "no answer: %s\n", firstLine(v.Errors[i]))
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write matrix: %w", err)
	}
	if len(silent) > 0 {
		return &NoAnswerError{Nodes: silent}
	}
	return nil
}

// snapshotLine is the first line of --json.
type snapshotLine struct {
	Type      string    `json:"type"` // "snapshot"
	Time      time.Time `json:"time"`
	Agent     string    `json:"agent"`
	Observers []string  `json:"observers"`
	Members   []string  `json:"members"`
	Rows      []rowJSON `json:"rows"`
	Agreement float64   `json:"agreement"`
}

type rowJSON struct {
	Observer    string           `json:"observer"`
	Answer      bool             `json:"answer"`
	Error       string           `json:"error,omitempty"`
	Convergence *float64         `json:"convergence,omitempty"`
	States      map[string]State `json:"states,omitempty"`
}

// changeLine is every later line of --json: one cell ("cell") or one
// observer's answer ("row").
type changeLine struct {
	Type     string     `json:"type"`
	Time     time.Time  `json:"time"`
	Observer string     `json:"observer"`
	Answer   *bool      `json:"answer,omitempty"`
	Error    string     `json:"error,omitempty"`
	Member   string     `json:"member,omitempty"`
	State    *State     `json:"state,omitempty"`
	Was      *State     `json:"was,omitempty"`
	Cause    string     `json:"cause,omitempty"`
	Recorded *time.Time `json:"recorded,omitempty"`
}

func toLine(c Change) changeLine {
	l := changeLine{Type: "cell", Time: c.Time, Observer: c.Observer}
	if c.Row {
		l.Type, l.Answer, l.Error = "row", &c.Answer, c.Error
		return l
	}
	l.Member, l.State, l.Was, l.Cause = c.Member, &c.State, &c.Was, c.Cause
	if !c.Recorded.IsZero() {
		l.Recorded = &c.Recorded
	}
	return l
}

// JSON streams the matrix as JSON lines on w until ctx ends: one
// snapshot once every observer answered or failed to, then one line per
// change. The feed runs meanwhile.
func JSON(ctx context.Context, f *Feed, w io.Writer) error {
	m := f.Matrix()
	m.KeepChanges()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(ctx)
	}()
	defer func() { cancel(); <-done }()
	enc := json.NewEncoder(w)
	for !m.Tried() {
		select {
		case <-ctx.Done():
			return nil
		case <-m.Notify():
		}
	}
	v := m.ViewDrained()
	if err := enc.Encode(snapshot(v, f.cfg.Agent.Name(), time.Now())); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	for {
		stop := false
		select {
		case <-ctx.Done():
			stop = true // write what came before the end
		case <-m.Notify():
		}
		for _, c := range m.Drain() {
			if err := enc.Encode(toLine(c)); err != nil {
				return fmt.Errorf("write change: %w", err)
			}
		}
		if stop {
			return nil
		}
	}
}

func snapshot(v View, agent string, now time.Time) snapshotLine {
	st := v.Stats()
	s := snapshotLine{Type: "snapshot", Time: now, Agent: agent, Observers: v.Observers, Members: v.Members, Agreement: st.Agreement}
	for i, name := range v.Observers {
		r := rowJSON{Observer: name, Answer: v.Answered[i], Error: v.Errors[i]}
		if r.Answer {
			c := st.Convergence[i]
			r.Convergence = &c
			r.States = make(map[string]State, len(v.Members))
			for j, m := range v.Members {
				r.States[m] = v.Cells[i][j]
			}
		}
		s.Rows = append(s.Rows, r)
	}
	return s
}
