package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gossiplab/gossiplab/box"
	"github.com/gossiplab/gossiplab/internal/hint"
)

func newBoxCommand(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "box",
		Short: "Build the Vagrant box lab machines boot",
		Args:  noArgs(nil),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return hint.Errorf("lab box build", "%s needs a subcommand", cmd.CommandPath())
		},
	}
	cmd.AddCommand(newBoxBuildCommand(env))
	return cmd
}

type boxBuildFlags struct {
	provider, out, name, agent, mirror string
	force                              bool
}

func newBoxBuildCommand(env *Env) *cobra.Command {
	f := &boxBuildFlags{}
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build a minimal Debian bookworm box from Debian's packages",
		Long: `build installs a fixed list of Debian bookworm packages with mmdebstrap,
from this host's apt sources (or --mirror), makes a Vagrant base box of
them (user vagrant with passwordless sudo and Vagrant's insecure key, sshd,
DHCP on the first NIC, a small initramfs: it boots in 128 MB), writes it to
a bootable disk (syslinux) and packages it for libvirt (qcow2) or
VirtualBox (OVF and VMDK). It prints the package versions it resolved;
manifest.txt in the box lists every package.

It needs root, mmdebstrap, qemu-img, mke2fs, mkfs.vfat, mtools, syslinux
and sfdisk, and says how to install what is missing. Ctrl-C stops it and
removes its temporary files. It never replaces a file without --force.`,
		Example: `  sudo lab box build
  sudo lab box build --provider virtualbox --with-agent ./labagent
  vagrant box add --name gossiplab/bookworm gossiplab-bookworm-libvirt.box`,
		Args: noArgs(nil),
		RunE: func(cmd *cobra.Command, _ []string) error { return runBoxBuild(cmd, env, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.provider, "provider", string(box.Libvirt), "the box's Vagrant provider: libvirt or virtualbox")
	fl.StringVarP(&f.out, "out", "o", "", "the box file to write (default NAME-PROVIDER.box, e.g. gossiplab-bookworm-libvirt.box)")
	fl.StringVar(&f.name, "name", box.DefaultName, "the box's name, for vagrant box add --name")
	fl.StringVar(&f.agent, "with-agent", "", "a labagent binary to install as /usr/local/bin/labagent")
	fl.StringVar(&f.mirror, "mirror", "", "a Debian mirror URL to install from instead of this host's apt sources")
	fl.BoolVarP(&f.force, "force", "f", false, "replace the box file if it exists")
	return cmd
}

func runBoxBuild(cmd *cobra.Command, env *Env, f *boxBuildFlags) error {
	p := box.Provider(f.provider)
	if p != box.Libvirt && p != box.VirtualBox {
		return hint.Errorf("--provider libvirt or --provider virtualbox", "provider %q: a box is built for libvirt or virtualbox", f.provider)
	}
	res, err := box.Build(cmd.Context(), box.Options{
		Name:     f.name,
		Outputs:  []box.Output{{Provider: p, Path: f.out}},
		Force:    f.force,
		Agent:    f.agent,
		Mirror:   f.mirror,
		Progress: boxProgress{w: env.Streams.Err},
	})
	switch {
	case errors.Is(err, fs.ErrExist):
		return hint.Wrap(err, "--force replaces it, --out writes elsewhere")
	case errors.Is(err, box.ErrMirror):
		return hint.Wrap(err, "--mirror URL installs from another Debian mirror")
	case err != nil:
		return err
	}
	printBoxResult(env.Streams.Out, res, f.name)
	return nil
}

func printBoxResult(w io.Writer, res *box.Result, name string) {
	for _, b := range res.Boxes {
		fmt.Fprintf(w, "%s: %s box, %.1f MB, sha256 %s\n", b.Path, b.Provider, float64(b.Size)/1e6, b.SHA256)
	}
	fmt.Fprintf(w, "kernel %s; the fixed package list resolved to (manifest.txt in the box lists all %d packages):\n", res.Kernel, len(res.Installed))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, p := range res.Requested() {
		fmt.Fprintf(tw, "  %s\t%s\n", p.Name, p.Version)
	}
	tw.Flush()
	for _, b := range res.Boxes {
		fmt.Fprintf(w, "add it: vagrant box add --name %s %s\n", name, shellWord(b.Path))
	}
}

// shellWord quotes s for a shell when it needs it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// boxProgress prints each phase of a build on the error stream as it
// starts and ends.
type boxProgress struct{ w io.Writer }

func (p boxProgress) Report(s box.Step) {
	what := string(s.Phase)
	if s.Provider != "" {
		what += " (" + string(s.Provider) + ")"
	}
	switch {
	case !s.Done:
		fmt.Fprintf(p.w, "box: %s...\n", what)
	case s.Err != nil:
		fmt.Fprintf(p.w, "box: %s failed after %.1fs\n", what, s.Took.Seconds())
	default:
		fmt.Fprintf(p.w, "box: %s done in %.1fs\n", what, s.Took.Seconds())
	}
}
