package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// Join contacts the given addresses ("ip", "ip:port" or "host:port"; the
// default port is 7946) and returns how many were reached.
func (a *Agent) Join(ctx context.Context, addrs []string) (int, error) {
	ml, err := a.running()
	if err != nil {
		return 0, err
	}
	type result struct {
		n   int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		n, err := ml.Join(addrs)
		ch <- result{n, err}
	}()
	select {
	case <-ctx.Done():
		return 0, fmt.Errorf("join %v: %w", addrs, ctx.Err())
	case r := <-ch:
		if r.n == 0 && r.err != nil {
			return 0, hint.Errorf(joinHint(r.err), "join %s: %s", strings.Join(addrs, ", "), flattenErr(r.err))
		}
		return r.n, nil
	}
}

// Members returns every member this agent knows, including failed and
// left ones still in their window, sorted by name.
func (a *Agent) Members() []Member {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Member, 0, len(a.members))
	for _, m := range a.members {
		out = append(out, m.copyOut())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Tags returns the agent's own tags.
func (a *Agent) Tags() map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]string, len(a.tags))
	for k, v := range a.tags {
		out[k] = v
	}
	return out
}

// SetTags sets and deletes tags and gossips the change (others record
// member-update).
func (a *Agent) SetTags(ctx context.Context, set map[string]string, del []string) error {
	ml, err := a.running()
	if err != nil {
		return err
	}
	a.mu.Lock()
	next := make(map[string]string, len(a.tags)+len(set))
	for k, v := range a.tags {
		next[k] = v
	}
	for k, v := range set {
		next[k] = v
	}
	for _, k := range del {
		delete(next, k)
	}
	if _, err := encodeMeta(a.boot, next); err != nil {
		a.mu.Unlock()
		return err
	}
	a.tags = next
	a.mu.Unlock()
	timeout := 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	if err := ml.UpdateNode(timeout); err != nil {
		return fmt.Errorf("gossip new tags: %w", err)
	}
	return nil
}

// flattenErr renders memberlist's multierror ("1 error occurred: ...")
// as one line.
func flattenErr(err error) string {
	if m, ok := err.(interface{ WrappedErrors() []error }); ok {
		var parts []string
		for _, e := range m.WrappedErrors() {
			parts = append(parts, e.Error())
		}
		return strings.Join(parts, "; ")
	}
	return err.Error()
}

// joinHint is what to check when a join failed with err.
func joinHint(err error) string {
	var ne net.Error
	if errors.As(err, &ne) {
		return "check the address and port (default 7946) and that the other agent is running"
	}
	return "check the address, that the agent there runs, and that both use the same -encrypt key"
}
