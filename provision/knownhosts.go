package provision

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/internal/flock"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// KnownHosts pins the nodes' SSH host keys in a file in OpenSSH's
// known_hosts format (read with golang.org/x/crypto/ssh/knownhosts),
// keyed by node name rather than by address: a line reads
//
//	web_3 ssh-ed25519 AAAAC3Nz...
//
// so that nodes sharing 127.0.0.1 behind forwarded ports, or a port reused
// by another node after a re-create, never mix. The first contact with a
// node pins its key; later contacts must present the same key. OpenSSH can
// use the file too: `ssh -o UserKnownHostsFile=.lab/known_hosts -o
// HostKeyAlias=web_3 ...`.
//
// It is safe for concurrent use, also by several processes (lab provision,
// lab members, bench): changes happen under an advisory lock on a sidecar
// file (known_hosts.lock), and a pin is one appended line, as OpenSSH's
// accept-new writes it, so that the ssh clients of lab ssh and lab chaos
// appending to the same file lose nothing.
type KnownHosts struct {
	path string
	mu   sync.Mutex
}

// NewKnownHosts uses the file at path; it is created on the first pin.
func NewKnownHosts(path string) *KnownHosts { return &KnownHosts{path: path} }

// Path is the file's path.
func (k *KnownHosts) Path() string { return k.path }

// HostKeyChangedError is a node presenting a host key other than the one
// pinned for it.
type HostKeyChangedError struct {
	Node        string
	File        string
	Got, Pinned string // key fingerprints (SHA256:...)
}

func (e *HostKeyChangedError) Error() string {
	return fmt.Sprintf("host key of node %q changed: it presents %s, %s pins %s; refusing to connect", e.Node, e.Got, e.File, e.Pinned)
}

// hostKeyHint attaches to err, when it is a changed host key, what to do
// about it.
func hostKeyHint(err error) error {
	var hk *HostKeyChangedError
	if !errors.As(err, &hk) {
		return err
	}
	return hint.Wrap(err, fmt.Sprintf("if you re-created the node, forget its old key (delete its line in %s); otherwise someone may be intercepting the connection", hk.File))
}

// HostKeyPinError is a failure to read or write the pin file.
type HostKeyPinError struct{ Err error }

func (e *HostKeyPinError) Error() string { return "pin host key: " + e.Err.Error() }
func (e *HostKeyPinError) Unwrap() error { return e.Err }

// Callback verifies the key node presents, pinning it on first contact.
func (k *KnownHosts) Callback(node string) ssh.HostKeyCallback {
	return func(_ string, _ net.Addr, key ssh.PublicKey) error {
		if err := k.verify(node, key); !errors.Is(err, errNotPinned) {
			return err
		}
		// First contact: pin under the lock, after checking again, since
		// another process may have pinned the node meanwhile.
		unlock, err := k.lock()
		if err != nil {
			return &HostKeyPinError{Err: err}
		}
		defer unlock()
		if err := k.verify(node, key); !errors.Is(err, errNotPinned) {
			return err
		}
		return k.pin(node, key)
	}
}

// errNotPinned is verify's answer for a node without a pin.
var errNotPinned = errors.New("host key not pinned")

// verify checks key against node's pin: nil when it matches,
// errNotPinned when there is none, a *HostKeyChangedError when it differs.
func (k *KnownHosts) verify(node string, key ssh.PublicKey) error {
	err := k.check(node, key)
	var ke *knownhosts.KeyError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ke) && len(ke.Want) == 0:
		return errNotPinned
	case errors.As(err, &ke):
		return &HostKeyChangedError{Node: node, File: k.path, Got: ssh.FingerprintSHA256(key), Pinned: ssh.FingerprintSHA256(ke.Want[0].Key)}
	default:
		return &HostKeyPinError{Err: err}
	}
}

// lock takes the cross-process lock on the pin file (the goroutines of
// this process first queue on mu) and returns its release.
func (k *KnownHosts) lock() (func(), error) {
	k.mu.Lock()
	if err := os.MkdirAll(filepath.Dir(k.path), 0o700); err != nil {
		k.mu.Unlock()
		return nil, err
	}
	f, err := os.OpenFile(k.path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		k.mu.Unlock()
		return nil, err
	}
	if err := flock.Lock(f); err != nil {
		f.Close()
		k.mu.Unlock()
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return func() {
		_ = flock.Unlock(f)
		f.Close()
		k.mu.Unlock()
	}, nil
}

// check runs knownhosts' own verification on the current file.
func (k *KnownHosts) check(node string, key ssh.PublicKey) error {
	if _, err := os.Stat(k.path); errors.Is(err, os.ErrNotExist) {
		return &knownhosts.KeyError{}
	}
	cb, err := knownhosts.New(k.path)
	if err != nil {
		return fmt.Errorf("read %s: %w", k.path, err)
	}
	// The node name stands for the host; the address is irrelevant.
	return cb(net.JoinHostPort(node, "22"), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22}, key)
}

// pin appends node's line in one write, after a newline if the file
// lacks its last one. The caller holds the lock.
func (k *KnownHosts) pin(node string, key ssh.PublicKey) error {
	if strings.ContainsAny(node, " \t\n,*?![]") {
		return &HostKeyPinError{Err: fmt.Errorf("node name %q cannot key a known_hosts line", node)}
	}
	f, err := os.OpenFile(k.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return &HostKeyPinError{Err: err}
	}
	line := knownhosts.Line([]string{node}, key) + "\n"
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			line = "\n" + line
		}
	}
	_, err = f.WriteString(line)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &HostKeyPinError{Err: err}
	}
	return nil
}

// Forget removes the pins of the named nodes, so that their next contact
// pins whatever key they present. Re-creating a node must call it.
func (k *KnownHosts) Forget(nodes ...string) error {
	unlock, err := k.lock()
	if err != nil {
		return fmt.Errorf("forget host keys: %w", err)
	}
	defer unlock()
	data, err := os.ReadFile(k.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("forget host keys: %w", err)
	}
	drop := map[string]bool{}
	for _, n := range nodes {
		drop[n] = true
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	changed := false
	for sc.Scan() {
		line := sc.Text()
		if f := strings.Fields(line); len(f) > 0 && drop[f[0]] {
			changed = true
			continue
		}
		out.WriteString(line + "\n")
	}
	if !changed {
		return nil
	}
	if err := atomicfile.WriteFile(k.path, out.Bytes(), 0o600); err != nil {
		return fmt.Errorf("forget host keys: %w", err)
	}
	return nil
}

// preferredAlgorithms is the host key order on first contact: OpenSSH's
// (ed25519 first), so that lab's pins and `ssh`'s agree on a node with
// several host keys. x/crypto/ssh alone would pick RSA first.
var preferredAlgorithms = []string{
	ssh.KeyAlgoED25519,
	ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
	ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256,
}

// Algorithms are the host key algorithms to offer when dialing node: those
// of its pinned keys, so that a node with several host keys presents the
// pinned one (whoever pinned it: lab or OpenSSH's accept-new); without
// pins, OpenSSH's preference.
func (k *KnownHosts) Algorithms(node string) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	data, err := os.ReadFile(k.path)
	if err != nil {
		return preferredAlgorithms
	}
	var algos []string
	add := func(a ...string) {
		for _, x := range a {
			if !slices.Contains(algos, x) {
				algos = append(algos, x)
			}
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || !slices.Contains(strings.Split(f[0], ","), node) {
			continue
		}
		switch f[1] {
		case ssh.KeyAlgoRSA:
			add(ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256)
		default:
			add(f[1])
		}
	}
	if len(algos) == 0 {
		return preferredAlgorithms
	}
	return algos
}
