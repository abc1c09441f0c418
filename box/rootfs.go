package box

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// builder is one build's state.
type builder struct {
	o    Options
	srcs []aptSource
	work string // the temporary directory
	// rootfs is the system mmdebstrap installs; boot receives its /boot.
	rootfs, boot string
	// disk is the raw disk image every format is converted from.
	disk   string
	layout layout
	res    Result

	cur      Step
	curStart time.Time
}

func newBuilder(o Options, work string, srcs []aptSource) *builder {
	b := &builder{
		o: o, srcs: srcs, work: work,
		rootfs: filepath.Join(work, "rootfs"),
		boot:   filepath.Join(work, "boot"),
		disk:   filepath.Join(work, "disk.raw"),
		layout: newLayout(o.Name, int64(o.DiskGiB)<<30),
	}
	b.res.SourceDateEpoch = o.SourceDateEpoch
	b.res.VirtualSize = b.layout.size
	return b
}

// run runs a tool (found on PATH or in the sbin directories).
func (b *builder) run(ctx context.Context, c execx.Cmd) error {
	if p, err := hostLookPath(c.Args[0]); err == nil {
		c.Args[0] = p
	}
	if c.Stream == nil {
		c.Stream = b.o.Log
	}
	_, err := b.o.Runner.Run(ctx, c)
	return err
}

// kernelArgs is the kernel command line of the box: eth0 for the first
// NIC, the serial console, and no file system check at boot (a fresh
// machine's disk is clean; the check costs seconds without KVM).
func (b *builder) kernelArgs() string {
	return "root=UUID=" + b.layout.rootUUID + " ro net.ifnames=0 biosdevname=0 console=tty0 console=ttyS0,115200n8 quiet fsck.mode=skip"
}

// buildRootfs runs mmdebstrap, which installs the packages (phase
// rootfs), then runs the customize script (phases configure and
// initramfs); the script's marker lines move the phases on.
func (b *builder) buildRootfs(ctx context.Context) error {
	b.begin(PhaseRootfs, "")
	args, err := b.mmdebstrapArgs()
	if err != nil {
		return b.end(err)
	}
	w := &lineWatcher{onLine: func(line string) {
		if p, ok := strings.CutPrefix(line, phaseMarker+" "); ok {
			_ = b.end(nil)
			b.begin(Phase(p), "")
		}
	}}
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	env := []string{"PATH=" + path, "SOURCE_DATE_EPOCH=" + strconv.FormatInt(b.o.SourceDateEpoch, 10),
		"INITRD=No"} // the kernel's own initramfs hook: the script makes the small one
	_, err = b.o.Runner.Run(ctx, execx.Cmd{Args: args, Env: env, Stream: &multiLine{b.o.Log, w}})
	if ctx.Err() != nil {
		err = ctx.Err()
	} else if err != nil {
		err = mmdebstrapError(err)
	} else {
		err = b.readInstalled()
	}
	return b.end(err)
}

func (b *builder) customizeParams() customizeParams {
	return customizeParams{
		Marker:           phaseMarker,
		AuthorizedKeys:   insecureKeys,
		Hostname:         "gossiplab",
		RootUUID:         b.layout.rootUUID,
		BootUUID:         b.layout.bootSerialUUID(),
		KernelArgs:       b.kernelArgs(),
		InitramfsModules: strings.Join(initramfsModules(), " "),
		Agent:            b.o.Agent,
		PackagesFile:     filepath.Join(b.work, "packages.tsv"),
	}
}

// mmdebstrapArgs writes the customize script and returns the command.
func (b *builder) mmdebstrapArgs() ([]string, error) {
	script := filepath.Join(b.work, "customize.sh")
	text, err := render("customize.sh.tmpl", b.customizeParams())
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(script, text, 0o755); err != nil {
		return nil, err
	}
	args := []string{"unshare", "--mount", "--propagation", "private", "--",
		"mmdebstrap", "--mode=root", "--variant=minbase", "--format=directory",
		"--include=" + strings.Join(Packages(), ",")}
	// No manuals, translations or documentation but the licences: in the
	// box, and for what is installed in it later.
	for _, o := range []string{
		"path-exclude=/usr/share/man/*", "path-exclude=/usr/share/info/*",
		"path-exclude=/usr/share/locale/*", "path-include=/usr/share/locale/locale.alias",
		"path-exclude=/usr/share/doc/*", "path-include=/usr/share/doc/*/copyright",
	} {
		args = append(args, "--dpkgopt="+o)
	}
	// dpkg without fsync: the system is written to a disk image later.
	if hooks := "/usr/share/mmdebstrap/hooks/eatmydata"; dirExists(hooks) {
		args = append(args, "--hook-dir="+hooks)
	}
	args = append(args, "--customize-hook="+script, Suite, b.rootfs)
	for _, s := range b.srcs {
		args = append(args, s.line())
	}
	return args, nil
}

// readInstalled reads the package list the script wrote and the kernel
// release from /boot.
func (b *builder) readInstalled() error {
	data, err := os.ReadFile(filepath.Join(b.work, "packages.tsv"))
	if err != nil {
		return err
	}
	if b.res.Installed, err = parsePackages(data); err != nil {
		return err
	}
	kernels, _ := filepath.Glob(filepath.Join(b.rootfs, "boot", "vmlinuz-*"))
	if len(kernels) != 1 {
		return fmt.Errorf("want one kernel in /boot, found %d", len(kernels))
	}
	b.res.Kernel = strings.TrimPrefix(filepath.Base(kernels[0]), "vmlinuz-")
	return nil
}

// mmdebstrapError keeps the end of mmdebstrap's output (apt's is long)
// and says when the mirror is the trouble.
func mmdebstrapError(err error) error {
	var xe *execx.Error
	if !errors.As(err, &xe) {
		return err
	}
	tail := lastLines(xe.Output, 25)
	if mirrorTrouble(xe.Output) {
		return hint.Errorf("check that this host reaches its Debian mirror (apt-get update)", "%w: mmdebstrap could not fetch the packages: %v\n%s", ErrMirror, xe.Err, tail)
	}
	return fmt.Errorf("mmdebstrap: %w\n%s", xe.Err, tail)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func dirExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// lineWatcher calls onLine with every complete line written to it.
type lineWatcher struct {
	mu     sync.Mutex
	buf    []byte
	onLine func(string)
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.onLine(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

// multiLine writes to both writers, ignoring the first one's errors (a
// log) so that the second (the phase watcher) always sees everything.
type multiLine struct {
	log   io.Writer
	watch *lineWatcher
}

func (m *multiLine) Write(p []byte) (int, error) {
	_, _ = m.log.Write(p)
	return m.watch.Write(p)
}
