package provision

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/gossiplab/gossiplab/internal/hint"
)

// file is one file to install on a node: uploaded to a temporary name in
// its target directory (or, for a non-root login, staged in /tmp and
// copied there with sudo), checked, then renamed over the target.
type file struct {
	what   string // binary, config, service file
	final  string
	tmp    string // in final's directory, so that the rename is atomic
	staged string // where SFTP writes it
	sum    string
	mode   os.FileMode
	local  string // a local file to upload, or
	data   []byte // the content
	// placed: Options.Place put it there, having checked its sha256
	// (the node has the same bytes as this host: no need to hash again).
	placed bool
}

func newFile(what, final string, mode os.FileMode, sum string, root bool) *file {
	suffix := randSuffix()
	f := &file{what: what, final: final, mode: mode, sum: sum,
		tmp: path.Join(path.Dir(final), "."+path.Base(final)+".lab-"+suffix)}
	f.staged = f.tmp
	if !root {
		f.staged = "/tmp/.lab-upload-" + path.Base(final) + "-" + suffix
	}
	return f
}

func randSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// upload writes every file to its staged path over one SFTP session.
// ctx ending closes the session, which stops the transfer at once, and
// upload returns ctx's cause.
func upload(ctx context.Context, c *Client, files []*file, root bool, afterUpload func(string)) error {
	sess, err := c.SSH().NewSession()
	if err != nil {
		return sftpError(err)
	}
	defer sess.Close()
	stop := context.AfterFunc(ctx, func() { _ = sess.Close() })
	defer stop()
	sc, err := startSFTP(sess)
	if err != nil {
		return uploadErr(ctx, sftpError(err))
	}
	defer sc.Close()
	for _, f := range files {
		if root {
			if err := sc.MkdirAll(path.Dir(f.staged)); err != nil {
				return uploadErr(ctx, fmt.Errorf("upload %s: create %s: %w", f.what, path.Dir(f.staged), err))
			}
		}
		if err := uploadOne(ctx, sc, f); err != nil {
			return uploadErr(ctx, fmt.Errorf("upload %s to %s: %w", f.what, f.staged, err))
		}
		if afterUpload != nil {
			afterUpload(f.staged)
		}
	}
	return nil
}

// startSFTP starts the SFTP subsystem on sess, as sftp.NewClient does on
// a session of its own; closing sess stops the client.
func startSFTP(sess *ssh.Session) (*sftp.Client, error) {
	w, err := sess.StdinPipe()
	if err != nil {
		return nil, err
	}
	r, err := sess.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := sess.RequestSubsystem("sftp"); err != nil {
		return nil, err
	}
	return sftp.NewClientPipe(r, w)
}

func sftpError(err error) error {
	return hint.Errorf("the node's sshd needs the sftp subsystem (Subsystem sftp internal-sftp)", "start sftp: %w", err)
}

// uploadErr is err, or ctx's cause when ctx ended (closing the session
// is what made the transfer fail).
func uploadErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("upload: %w", context.Cause(ctx))
	}
	return err
}

func uploadOne(ctx context.Context, sc *sftp.Client, f *file) error {
	var src io.Reader = bytes.NewReader(f.data)
	if f.local != "" {
		lf, err := os.Open(f.local)
		if err != nil {
			return err
		}
		defer lf.Close()
		src = lf
	}
	dst, err := sc.OpenFile(f.staged, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_EXCL)
	if err != nil {
		return err
	}
	if err := dst.Chmod(0o600); err != nil {
		dst.Close()
		return err
	}
	if _, err := dst.ReadFrom(ctxReader{ctx, src}); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// ctxReader reads from r until ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// verifyScript moves staged files next to their targets, checks their
// sha256 and mode, and prints the new binary's version after "@version".
func verifyScript(files []*file, sudo string, binary *file) string {
	var b strings.Builder
	b.WriteString("set -e\nexport LC_ALL=C PATH=\"$PATH:/usr/sbin:/sbin\"\n")
	fmt.Fprintf(&b, "check() { got=$(%ssha256sum \"$1\" | cut -d' ' -f1); if [ \"$got\" != \"$2\" ]; then echo \"$3: sha256 mismatch after upload: got $got, want $2\" >&2; exit 3; fi; }\n", sudo)
	for _, f := range files {
		q := shellQuote
		if f.staged != f.tmp {
			fmt.Fprintf(&b, "%smkdir -p %s\n%scp %s %s\nrm -f %s\n", sudo, q(path.Dir(f.tmp)), sudo, q(f.staged), q(f.tmp), q(f.staged))
		}
		if !f.placed {
			fmt.Fprintf(&b, "check %s %s %s\n", q(f.tmp), f.sum, q(f.what))
		}
		fmt.Fprintf(&b, "%schmod %o %s\n", sudo, f.mode, q(f.tmp))
	}
	if binary != nil {
		fmt.Fprintf(&b, "echo @version\n%s=%s %s version 2>&1 | head -n 3 || { echo \"the uploaded binary does not run on this node\" >&2; exit 5; }\n", AgentEnv, path.Base(binary.final), shellQuote(binary.tmp))
	}
	return b.String()
}

// awaitVerdict stops the install script until Go answers "go" on stdin.
const awaitVerdict = "echo @await\nread verdict\n[ \"$verdict\" = go ] || exit 6\n"

// cleanupScript removes whatever temporary files are left.
func cleanupScript(files []*file, sudo string) string {
	var names []string
	for _, f := range files {
		names = append(names, shellQuote(f.tmp), shellQuote(f.staged))
	}
	return fmt.Sprintf("%srm -f %s", sudo, strings.Join(names, " "))
}

// commitScript renames the files into place, registers the service and
// (re)starts it. The previous binary and config are kept as hard links
// until the new agent runs; if it does not start, they are put back and
// restarted, so that a failure leaves the previous version running.
func commitScript(l Layout, f *Facts, p plan, files []*file, sudo, rcLine, otherRCLine string) string {
	q := shellQuote
	var b strings.Builder
	// Serf does not make its snapshot's directory; labagent would.
	fmt.Fprintf(&b, "%smkdir -p %s\n", sudo, q(l.DataDir()))
	var restore []string
	b.WriteString("had_prev=0\n")
	for _, fl := range files {
		prev := fl.final + ".lab-prev"
		fmt.Fprintf(&b, "if [ -f %s ]; then %sln -f %s %s; had_prev=1; fi\n", q(fl.final), sudo, q(fl.final), q(prev))
		fmt.Fprintf(&b, "%smv -f %s %s\n", sudo, q(fl.tmp), q(fl.final))
		restore = append(restore, fmt.Sprintf("if [ -f %s ]; then %smv -f %s %s; fi", q(prev), sudo, q(prev), q(fl.final)))
	}
	svc := registerService(&b, l, f, p, sudo, rcLine)
	var other retirement
	if p.retire {
		other = retire(l.Other(), f, sudo, otherRCLine)
		b.WriteString(other.stop)
	}
	if p.restart {
		writeRestart(&b, svc, restore, p.retire, l.Other().Name, other.start)
	}
	b.WriteString(other.unregister)
	for _, fl := range files {
		fmt.Fprintf(&b, "%srm -f %s\n", sudo, q(fl.final+".lab-prev"))
	}
	return b.String()
}

// serviceCommands start the agent and, when they can, show why it did
// not start.
type serviceCommands struct{ start, status string }

// registerService writes to b what registers the service with f's init
// system, and returns the commands that start it.
func registerService(b *strings.Builder, l Layout, f *Facts, p plan, sudo, rcLine string) serviceCommands {
	q := shellQuote
	switch f.Init {
	case InitSystemd:
		if p.service {
			fmt.Fprintf(b, "%ssystemctl daemon-reload\n", sudo)
		}
		if l.Root == "" {
			fmt.Fprintf(b, "%ssystemctl enable --quiet %s\n", sudo, q(l.Name))
		}
		return serviceCommands{
			start:  fmt.Sprintf("%ssystemctl restart %s && sleep 0.2 && %ssystemctl is-active --quiet %s", sudo, q(l.Name), sudo, q(l.Name)),
			status: fmt.Sprintf("%sjournalctl -u %s -n 5 --no-pager >&2 || true", sudo, q(l.Name)),
		}
	case InitSysV:
		if l.Root == "" { // registering touches the real /etc/rc*.d: not under a test root
			switch f.SysVTool {
			case "chkconfig":
				fmt.Fprintf(b, "%schkconfig --add %s && %schkconfig %s on\n", sudo, q(l.Name), sudo, q(l.Name))
			default:
				fmt.Fprintf(b, "%supdate-rc.d %s defaults >/dev/null\n", sudo, q(l.Name))
			}
		}
	default:
		if p.rcLocal {
			rc := l.RCLocal()
			fmt.Fprintf(b, "if [ ! -f %s ]; then printf '#!/bin/sh\\n' | %stee %s >/dev/null; fi\n", q(rc), sudo, q(rc))
			// Before a final "exit 0", else at the end.
			fmt.Fprintf(b, "if [ \"$(tail -n 1 %s)\" = 'exit 0' ]; then %ssed -i '$i\\\n%s' %s; else printf '%%s\\n' %s | %stee -a %s >/dev/null; fi\n",
				q(rc), sudo, sedEscape(rcLine), q(rc), q(rcLine), sudo, q(rc))
			fmt.Fprintf(b, "%schmod +x %s\n", sudo, q(rc))
		}
	}
	return serviceCommands{start: fmt.Sprintf("%s%s restart", sudo, q(l.ServiceFile(f.Init)))}
}

// writeRestart writes to b the (re)start of the agent; if it fails, the
// previous files are put back (restore) and started, the retired other
// flavour is started again, and the script exits 4.
func writeRestart(b *strings.Builder, svc serviceCommands, restore []string, retired bool, otherName, otherStart string) {
	fmt.Fprintf(b, "if ! %s; then\n", svc.start)
	if svc.status != "" {
		fmt.Fprintf(b, "  %s\n", svc.status)
	}
	if len(restore) > 0 {
		b.WriteString("  if [ $had_prev = 1 ]; then\n")
		b.WriteString("    echo \"the new agent did not start; putting the previous version back\" >&2\n")
		for _, r := range restore {
			b.WriteString("    " + r + "\n")
		}
		fmt.Fprintf(b, "    %s >/dev/null 2>&1 || true\n", svc.start)
		b.WriteString("  else\n    echo \"the new agent did not start (there was no earlier agent to put back)\" >&2\n  fi\n")
	}
	if retired {
		fmt.Fprintf(b, "  echo \"%s is started again\" >&2\n  %s", otherName, otherStart)
	}
	b.WriteString("  exit 4\nfi\n")
}

// sedEscape escapes a line for sed's i\ text.
func sedEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return strings.ReplaceAll(s, "'", `'\''`)
}

// diagnoseDirs tries to create a file in each target directory, to tell
// why an upload failed: SFTP reports only "Failure".
func diagnoseDirs(ctx context.Context, c *Client, files []*file, sudo string) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, f := range files {
		dir := path.Dir(f.staged)
		if seen[dir] {
			continue
		}
		seen[dir] = true
		probe := shellQuote(path.Join(dir, ".lab-probe-"+randSuffix()))
		fmt.Fprintf(&b, "%smkdir -p %s && %stouch %s && %srm -f %s\n", sudo, shellQuote(dir), sudo, probe, sudo, probe)
	}
	out, _ := c.Run(ctx, b.String(), nil)
	if msg := strings.TrimSpace(string(out.Stderr)); msg != "" {
		return "\ncause: " + msg
	}
	return ""
}

// retirement is how to take the other flavour out of service on a node:
// stop it before the new agent starts (both bind the gossip port), start
// it again if the new one fails, and unregister it from boot once the new
// one runs. Its files stay: lab owns them, and switching back reuses them.
type retirement struct{ stop, start, unregister string }

func retire(o Layout, f *Facts, sudo, rcLine string) retirement {
	q := shellQuote
	var r retirement
	switch f.Init {
	case InitSystemd:
		r.stop = fmt.Sprintf("%ssystemctl stop %s 2>/dev/null || true\n", sudo, q(o.Name))
		r.start = fmt.Sprintf("%ssystemctl start %s 2>/dev/null || true\n", sudo, q(o.Name))
		if o.Root == "" {
			r.unregister = fmt.Sprintf("%ssystemctl disable --quiet %s 2>/dev/null || true\n", sudo, q(o.Name))
		}
	default:
		svc := q(o.ServiceFile(f.Init))
		r.stop = fmt.Sprintf("if [ -x %[2]s ]; then %[1]s%[2]s stop >/dev/null 2>&1 || true; fi\n", sudo, svc)
		r.start = fmt.Sprintf("if [ -x %[2]s ]; then %[1]s%[2]s start >/dev/null 2>&1 || true; fi\n", sudo, svc)
		if f.Init == InitSysV && o.Root == "" {
			if f.SysVTool == "chkconfig" {
				r.unregister = fmt.Sprintf("%schkconfig --del %s 2>/dev/null || true\n", sudo, q(o.Name))
			} else {
				r.unregister = fmt.Sprintf("%supdate-rc.d -f %s remove >/dev/null 2>&1 || true\n", sudo, q(o.Name))
			}
		}
	}
	// Its rc.local line goes in every case (a node may have changed init).
	rc, tmp := q(o.RCLocal()), q(o.RCLocal()+".lab-tmp")
	r.unregister += fmt.Sprintf("if [ -f %[2]s ] && grep -qxF %[4]s %[2]s; then grep -vxF %[4]s %[2]s | %[1]stee %[3]s >/dev/null; %[1]schmod --reference=%[2]s %[3]s; %[1]smv -f %[3]s %[2]s; fi\n",
		sudo, rc, tmp, q(rcLine))
	return r
}
