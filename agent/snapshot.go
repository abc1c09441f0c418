package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/internal/boundedfile"
)

// snapshotFile is what -snapshot records: the members last seen alive
// and whether this agent left gracefully.
type snapshotFile struct {
	Node    string           `json:"node"`
	Left    bool             `json:"left"`
	Saved   time.Time        `json:"saved"`
	Members []snapshotMember `json:"members"`
}

type snapshotMember struct {
	Name string `json:"name"`
	Addr string `json:"addr"`
}

// snapshotter writes the snapshot at most once a second when members
// changed, and on shutdown. Writes are atomic.
type snapshotter struct {
	path   string
	node   string
	logger *slog.Logger
	prev   *snapshotFile // what was on disk at start
	change chan struct{}

	mu      sync.Mutex
	left    bool
	collect func() []snapshotMember
}

func newSnapshotter(path, node string, logger *slog.Logger) *snapshotter {
	s := &snapshotter{path: path, node: node, logger: logger, change: make(chan struct{}, 1)}
	b, err := boundedfile.ReadFile(path, MaxSnapshotSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		logger.Warn("cannot read snapshot; starting without it", "path", path, "err", err)
	default:
		var f snapshotFile
		if err := json.Unmarshal(b, &f); err != nil {
			logger.Warn("snapshot is corrupt; starting without it", "path", path, "err", err)
		} else {
			s.prev = &f
		}
	}
	return s
}

// rejoinAddrs returns the addresses to rejoin: the members recorded,
// unless the agent left gracefully and rejoinAfterLeave is false.
func (s *snapshotter) rejoinAddrs(rejoinAfterLeave bool) []string {
	if s.prev == nil {
		return nil
	}
	if s.prev.Left && !rejoinAfterLeave {
		s.logger.Info("not rejoining: the agent left the cluster last time", "hint", "start with -rejoin to rejoin anyway")
		return nil
	}
	var out []string
	for _, m := range s.prev.Members {
		if m.Name != s.prev.Node {
			out = append(out, m.Addr)
		}
	}
	return out
}

func (s *snapshotter) dirty() {
	select {
	case s.change <- struct{}{}:
	default:
	}
}

func (s *snapshotter) markLeft() {
	s.mu.Lock()
	s.left = true
	s.mu.Unlock()
	s.dirty()
}

// run writes the snapshot one second after a change (batching the
// changes of that second); idle, it does not wake up at all.
func (s *snapshotter) run(ctx context.Context) {
	var due <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.change:
			if due == nil {
				due = time.After(time.Second)
			}
		case <-due:
			due = nil
			if s.collect != nil {
				if err := s.flush(s.collect()); err != nil {
					s.logger.Warn("cannot write snapshot", "err", err)
				}
			}
		}
	}
}

func (s *snapshotter) flush(members []snapshotMember) error {
	s.mu.Lock()
	f := snapshotFile{Left: s.left, Saved: time.Now().UTC(), Members: members}
	s.mu.Unlock()
	f.Node = s.node
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return fmt.Errorf("snapshot directory: %w", err)
	}
	if err := atomicfile.WriteFile(s.path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write snapshot %s: %w", s.path, err)
	}
	return nil
}

// snapshotMembers lists the alive members for the snapshot.
func (a *Agent) snapshotMembers() []snapshotMember {
	var out []snapshotMember
	for _, m := range a.Members() {
		if m.Status == StatusAlive || m.Status == StatusLeaving || m.Name == a.cfg.NodeName {
			out = append(out, snapshotMember{Name: m.Name, Addr: m.Addr})
		}
	}
	return out
}
