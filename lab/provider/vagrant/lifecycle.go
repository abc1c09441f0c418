package vagrant

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/gossiplab/gossiplab/internal/parallel"
	"github.com/gossiplab/gossiplab/lab"
)

// Up boots the nodes. VirtualBox ignores `vagrant up --parallel`, so for
// it Up runs one `vagrant up NODE --provider=virtualbox` process per node,
// at most opts.Parallel at a time; libvirt boots in parallel inside one
// process, so Up runs `vagrant up --parallel --provider=libvirt NODES...`
// on batches of opts.Parallel nodes. The first node boots alone first: it
// fetches the box and (with linked clones) imports the master VM once, and
// when it fails for a reason every node shares (no hypervisor, no box) the
// error is reported once, not per node.
//
// Progress follows what Vagrant says per machine: PhaseBooted when the
// hypervisor has started the VM and Vagrant waits for it ("Waiting for
// machine to boot", printed by Vagrant's WaitForCommunicator for
// VirtualBox and libvirt alike), PhaseSSHReachable when Vagrant has logged
// in over SSH ("Machine booted and ready!"). A node whose command ends
// well without saying so (it was running already) passes both then.
func (p *Provider) Up(ctx context.Context, l *lab.Lab, nodes []string, opts lab.UpOptions) error {
	if len(nodes) == 0 {
		return nil
	}
	if err := p.needVagrantfile(l); err != nil {
		return err
	}
	p.forget(l, nodes)
	parallel := max(opts.Parallel, 1)
	first, rest := nodes[:1], nodes[1:]
	if err := p.upBatch(ctx, l, first, opts.Progress); err != nil {
		return err
	}
	if len(rest) == 0 {
		return nil
	}
	if p.name == "libvirt" {
		for len(rest) > 0 {
			n := min(parallel, len(rest))
			if err := p.upBatch(ctx, l, rest[:n], opts.Progress); err != nil {
				return err
			}
			rest = rest[n:]
		}
		return nil
	}
	return forEach(ctx, rest, parallel, func(ctx context.Context, node string) error {
		return p.upBatch(ctx, l, []string{node}, opts.Progress)
	})
}

// upArgs is the command line of one `vagrant up` for nodes.
func (p *Provider) upArgs(nodes []string) []string {
	args := []string{"up"}
	if p.name == "libvirt" {
		args = append(args, "--parallel")
	}
	args = append(args, "--provider="+p.name, "--machine-readable")
	return append(args, nodes...)
}

func (p *Provider) upBatch(ctx context.Context, l *lab.Lab, nodes []string, progress func(string, lab.Phase)) error {
	w := &streamWriter{logger: p.logger, op: "up", progress: progress, done: map[string]lab.Phase{}}
	_, err := p.vagrant(ctx, l, "up", nodes, w, p.upArgs(nodes)...)
	w.flush()
	if err != nil {
		return err
	}
	for _, n := range nodes {
		w.reach(n, lab.PhaseSSHReachable)
	}
	return nil
}

// Halt stops the nodes, one `vagrant halt NODE` process per node, at
// most Options.Parallel at a time: gracefully (Vagrant asks the guest to
// shut down, and forces it off when that times out), or with force at once
// (`vagrant halt --force`, like pulling the power).
func (p *Provider) Halt(ctx context.Context, l *lab.Lab, nodes []string, force bool) error {
	if err := p.needVagrantfile(l); err != nil {
		return err
	}
	p.forget(l, nodes)
	return forEach(ctx, nodes, p.parallel, func(ctx context.Context, node string) error {
		_, err := p.vagrant(ctx, l, "halt", []string{node}, p.logWriter("halt"), haltArgs(node, force)...)
		return err
	})
}

func haltArgs(node string, force bool) []string {
	args := []string{"halt"}
	if force {
		args = append(args, "--force")
	}
	return append(args, "--machine-readable", node)
}

// Reload halts then boots the nodes (`vagrant reload NODE`), at most
// Options.Parallel at a time.
func (p *Provider) Reload(ctx context.Context, l *lab.Lab, nodes []string) error {
	if err := p.needVagrantfile(l); err != nil {
		return err
	}
	p.forget(l, nodes)
	return forEach(ctx, nodes, p.parallel, func(ctx context.Context, node string) error {
		_, err := p.vagrant(ctx, l, "reload", []string{node}, p.logWriter("reload"), "reload", "--machine-readable", node)
		return err
	})
}

// forEach runs fn for every node, at most parallel at a time, and joins
// the errors. When ctx is cancelled no new node starts; running commands
// are killed by their context.
func forEach(ctx context.Context, nodes []string, limit int, fn func(context.Context, string) error) error {
	errs := parallel.Each(ctx, len(nodes), limit, func(ctx context.Context, i int) error { return fn(ctx, nodes[i]) })
	if ctx.Err() != nil {
		// One line for the interruption, not one per node.
		var kept []error
		for _, err := range errs {
			if err != nil && !errors.Is(err, ctx.Err()) {
				kept = append(kept, err)
			}
		}
		return errors.Join(append(kept, fmt.Errorf("interrupted: %w", ctx.Err()))...)
	}
	return errors.Join(errs...)
}

func (p *Provider) logWriter(op string) io.Writer {
	return &streamWriter{logger: p.logger, op: op, done: map[string]lab.Phase{}}
}

// streamWriter reads machine-readable output as vagrant prints it: it
// logs Vagrant's messages and reports nodes that became ready. Writes come
// from the stdout and stderr copiers at once, hence the lock.
type streamWriter struct {
	logger   *slog.Logger
	op       string
	progress func(string, lab.Phase)

	mu   sync.Mutex
	buf  bytes.Buffer
	done map[string]lab.Phase // the last phase reported per node
}

func (w *streamWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(b)
	var lines []string
	for {
		i := bytes.IndexByte(w.buf.Bytes(), '\n')
		if i < 0 {
			break
		}
		lines = append(lines, string(w.buf.Next(i+1)))
	}
	w.mu.Unlock()
	for _, line := range lines {
		w.line(line)
	}
	return len(b), nil
}

func (w *streamWriter) flush() {
	w.mu.Lock()
	rest := w.buf.String()
	w.buf.Reset()
	w.mu.Unlock()
	if rest != "" {
		w.line(rest)
	}
}

func (w *streamWriter) line(line string) {
	r, ok := ParseRecord(strings.TrimRight(line, "\n"))
	if !ok {
		if s := strings.TrimSpace(line); s != "" {
			w.logger.Debug(s, "op", w.op)
		}
		return
	}
	if r.Type != "ui" || len(r.Data) < 2 {
		return
	}
	msg := strings.Join(r.Data[1:], ",")
	switch r.Data[0] {
	case "warn":
		w.logger.Warn(msg, "op", w.op, "node", r.Target)
	default: // errors too: the command's error carries them
		w.logger.Debug(msg, "op", w.op, "node", r.Target)
	}
	if r.Target == "" {
		return
	}
	switch {
	case strings.Contains(msg, "Waiting for machine to boot"):
		w.reach(r.Target, lab.PhaseBooted)
	case strings.Contains(msg, "Machine booted and ready!"):
		w.reach(r.Target, lab.PhaseSSHReachable)
	}
}

// phaseOrder lists Up's phases in the order a node passes them.
var phaseOrder = []lab.Phase{lab.PhaseBooted, lab.PhaseSSHReachable}

// reach reports that node got to phase, and every phase before it not
// reported yet, each once.
func (w *streamWriter) reach(node string, phase lab.Phase) {
	w.mu.Lock()
	from := slices.Index(phaseOrder, w.done[node]) + 1 // 0 when none yet
	to := slices.Index(phaseOrder, phase)
	if to >= from {
		w.done[node] = phase
	}
	w.mu.Unlock()
	if w.progress == nil {
		return
	}
	for i := from; i <= to; i++ {
		w.progress(node, phaseOrder[i])
	}
}
