package virttest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gossiplab/gossiplab/internal/execx"
)

// Options configure Start and New.
type Options struct {
	// Prefix begins the namespace's name, Prefix-PID-RANDOM; Sweep removes
	// the leftovers of dead runs with the same prefix. Default "virttest".
	Prefix string
}

// DefaultPrefix names namespaces when Options.Prefix is empty.
const DefaultPrefix = "virttest"

// Env is libvirt running inside a network namespace of its own.
type Env struct {
	// Name is the network namespace's name, as `ip netns list` shows it.
	Name string
	// Dir holds libvirt's private directories and the daemons' logs
	// (libvirtd.log, virtlogd.log).
	Dir string

	holder  *daemon
	daemons []*daemon
	once    sync.Once
	err     error
}

type daemon struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{}
}

type privateDir struct{ sub, target string }

// privateDirs are the directories libvirt writes, each replaced inside
// the namespace by a directory of Dir.
func privateDirs() []privateDir {
	return []privateDir{
		{"etc", "/etc/libvirt"},
		{"run", "/run/libvirt"},
		{"lib", "/var/lib/libvirt"},
		{"log", "/var/log/libvirt"},
		{"cache", "/var/cache/libvirt"},
	}
}

// Start creates the namespace and starts virtlogd and libvirtd in it. On
// error it has removed what it created. The caller must call Cleanup.
func Start(ctx context.Context, opts Options) (*Env, error) {
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	name := fmt.Sprintf("%s-%d-%s", prefix, os.Getpid(), hex.EncodeToString(b[:]))
	e := &Env{Name: name, Dir: filepath.Join(os.TempDir(), name)}
	if err := e.start(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("start libvirt in namespace %s: %w", name, err), e.Cleanup(context.WithoutCancel(ctx)))
	}
	return e, nil
}

func (e *Env) start(ctx context.Context) error {
	if err := e.makeDirs(); err != nil {
		return err
	}
	if _, err := execx.Run(ctx, "ip", "netns", "add", e.Name); err != nil {
		return err
	}
	if _, err := execx.Run(ctx, "ip", "-n", e.Name, "link", "set", "lo", "up"); err != nil {
		return err
	}
	if err := e.startHolder(ctx); err != nil {
		return err
	}
	for _, d := range []struct{ bin, pid string }{{"virtlogd", "virtlogd.pid"}, {"libvirtd", "libvirtd.pid"}} {
		if err := e.startDaemon(d.bin, "/run/libvirt/"+d.pid); err != nil {
			return err
		}
	}
	return e.waitLibvirt(ctx)
}

// makeDirs creates Dir and its private directories: the host's libvirt
// configuration files (not its domains, networks or pools) and, for the
// others, the host's subdirectories (images, qemu...), empty.
func (e *Env) makeDirs() error {
	if err := os.Mkdir(e.Dir, 0o755); err != nil {
		return err
	}
	for _, d := range privateDirs() {
		dst := filepath.Join(e.Dir, d.sub)
		if err := os.Mkdir(dst, 0o755); err != nil {
			return err
		}
		if d.sub != "etc" {
			if err := copyTree(d.target, dst); err != nil {
				return err
			}
		}
	}
	return copyConfig("/etc/libvirt", filepath.Join(e.Dir, "etc"))
}

// copyTree recreates the directories under src (not the files) in dst,
// with their modes and owners.
func copyTree(src, dst string) error {
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || path == src {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		target := filepath.Join(dst, strings.TrimPrefix(path, src))
		if err := os.Mkdir(target, fi.Mode().Perm()); err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			if err := os.Lchown(target, int(st.Uid), int(st.Gid)); err != nil {
				return err
			}
		}
		return os.Chmod(target, fi.Mode().Perm())
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// copyConfig copies the files at the top of src and its nwfilter
// directory (the stock filter definitions) into dst.
func copyConfig(src, dst string) error {
	for _, sub := range []string{"", "nwfilter"} {
		entries, err := os.ReadDir(filepath.Join(src, sub))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dst, sub), 0o755); err != nil {
			return err
		}
		for _, ent := range entries {
			if !ent.Type().IsRegular() {
				continue
			}
			data, err := os.ReadFile(filepath.Join(src, sub, ent.Name()))
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dst, sub, ent.Name()), data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// holderScript bind-mounts each pair of its arguments (source, target),
// says so, and waits to be killed.
const holderScript = `set -e
while [ $# -gt 1 ]; do mkdir -p "$2"; mount --bind "$1" "$2"; shift 2; done
echo ready
exec sleep infinity`

func (e *Env) startHolder(ctx context.Context) error {
	args := []string{"ip", "netns", "exec", e.Name, "sh", "-c", holderScript, "sh"}
	for _, d := range privateDirs() {
		args = append(args, filepath.Join(e.Dir, d.sub), d.target)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start namespace holder: %w", err)
	}
	e.holder = &daemon{name: "namespace holder", cmd: cmd, exited: make(chan struct{})}
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(out).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = fmt.Errorf("unexpected %q", line)
		}
		ready <- err
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
		close(e.holder.exited)
	}()
	select {
	case err := <-ready:
		if err != nil {
			return fmt.Errorf("namespace holder: %w: %s", err, strings.TrimSpace(stderr.String()))
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(30 * time.Second):
		return errors.New("namespace holder: not ready after 30s")
	}
}

// startDaemon runs bin in the foreground inside the namespaces, its output
// going to Dir/bin.log.
func (e *Env) startDaemon(bin, pidFile string) error {
	logf, err := os.Create(filepath.Join(e.Dir, bin+".log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	args := e.enter("/", []string{bin, "--pid-file", pidFile})
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	d := &daemon{name: bin, cmd: cmd, exited: make(chan struct{})}
	e.daemons = append(e.daemons, d)
	go func() { _ = cmd.Wait(); close(d.exited) }()
	return nil
}

// waitLibvirt waits until libvirtd answers.
func (e *Env) waitLibvirt(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := e.Virsh(ctx, "version")
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			log, _ := os.ReadFile(filepath.Join(e.Dir, "libvirtd.log"))
			return fmt.Errorf("libvirtd does not answer: %w\nlibvirtd.log:\n%s", err, log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// enter prefixes args with the nsenter call that runs them inside the
// namespaces, in directory dir ("" means the current directory; nsenter
// would otherwise start them in /).
func (e *Env) enter(dir string, args []string) []string {
	if dir == "" {
		dir, _ = os.Getwd()
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	pre := []string{"nsenter", "--target", strconv.Itoa(e.holder.cmd.Process.Pid), "--mount", "--net", "--wd=" + dir, "--"}
	return append(pre, args...)
}

// Command returns a command that runs args inside the namespaces, in dir
// ("" means the current directory).
func (e *Env) Command(ctx context.Context, dir string, args ...string) *exec.Cmd {
	a := e.enter(dir, args)
	return exec.CommandContext(ctx, a[0], a[1:]...)
}

// Run runs args inside the namespaces, in dir ("" means the current
// directory), and returns their standard output; a failure is an
// *execx.Error with everything they printed.
func (e *Env) Run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	return e.Runner(execx.Exec{}).Run(ctx, execx.Cmd{Args: args, Dir: dir})
}

// Virsh runs virsh on libvirt's system connection inside the namespaces.
func (e *Env) Virsh(ctx context.Context, args ...string) ([]byte, error) {
	return e.Run(ctx, "/", append([]string{"virsh", "--quiet", "--connect", "qemu:///system"}, args...)...)
}

// Runner returns a Runner that runs every command inside the namespaces
// through r, for code that takes an execx.Runner (a Vagrant provider).
func (e *Env) Runner(r execx.Runner) execx.Runner { return nsRunner{e: e, r: r} }

type nsRunner struct {
	e *Env
	r execx.Runner
}

func (n nsRunner) Run(ctx context.Context, c execx.Cmd) ([]byte, error) {
	c.Args = n.e.enter(c.Dir, c.Args)
	return n.r.Run(ctx, c)
}
