package provision

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

const sshdPath = "/usr/sbin/sshd"

// needRootSSHD skips tests that start a real sshd when they cannot.
func needRootSSHD(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: starts a real sshd on 127.0.0.1 (CI runs as root)")
	}
	if _, err := os.Stat(sshdPath); err != nil {
		t.Skipf("needs %s (apt-get install openssh-server): %v", sshdPath, err)
	}
}

// writeKey writes a fresh ed25519 private key in OpenSSH format and
// returns its path and public key.
func writeKey(t testing.TB, dir, name string) (string, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return path, sp
}

// testSSHD is a real sshd on 127.0.0.1 that accepts root with UserKey.
type testSSHD struct {
	Port    int
	UserKey string // private key path for the client
	HostKey ssh.PublicKey
	ECDSA   ssh.PublicKey // with sshdOptions.ecdsa
	dir     string
}

type sshdOptions struct {
	port     int      // 0: a free one
	userKey  string   // reuse this client key (path); "" makes one
	readOnly []string // directories sshd's sessions see read-only
	// loginRC keeps bash reading root's ~/.bashrc in every session, as on
	// this host (where it runs pyenv init: ~100 processes a session).
	// Without it the sessions get SHLVL=1, so bash skips ~/.bashrc like a
	// fresh node's would cost nothing.
	loginRC bool
	// ecdsa adds an ECDSA host key beside the ed25519 one, as boxes have
	// several.
	ecdsa bool
}

// startSSHD runs `sshd -D -e -f <config>` and stops it in t.Cleanup. With
// readOnly, sshd runs in a mount namespace of its own (unshare -m) where
// those directories are bind-mounted read-only; the host is untouched.
func startSSHD(t testing.TB, o sshdOptions) *testSSHD {
	t.Helper()
	needRootSSHD(t)
	dir := t.TempDir()
	s := &testSSHD{dir: dir, Port: o.port}
	hostKey, hostPub := writeKey(t, dir, "host_ed25519")
	s.HostKey = hostPub
	s.UserKey = o.userKey
	var userPub ssh.PublicKey
	if s.UserKey == "" {
		s.UserKey, userPub = writeKey(t, dir, "id_ed25519")
	} else {
		data, err := os.ReadFile(s.UserKey)
		if err != nil {
			t.Fatal(err)
		}
		signer, err := ssh.ParsePrivateKey(data)
		if err != nil {
			t.Fatal(err)
		}
		userPub = signer.PublicKey()
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(userPub), 0o600); err != nil {
		t.Fatal(err)
	}
	if s.Port == 0 {
		s.Port = freePort(t)
	}
	cfg := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
AuthorizedKeysFile %s
PidFile %s
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
Subsystem sftp internal-sftp
LogLevel ERROR
%s`, s.Port, hostKey, filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "sshd.pid"), map[bool]string{false: "SetEnv SHLVL=1\n", true: ""}[o.loginRC])
	if o.ecdsa {
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		block, err := ssh.MarshalPrivateKey(priv, "")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "host_ecdsa")
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		if s.ECDSA, err = ssh.NewPublicKey(&priv.PublicKey); err != nil {
			t.Fatal(err)
		}
		cfg += "HostKey " + path + "\n"
	}
	cfgPath := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// Debian's sshd insists on its privilege separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{sshdPath, "-D", "-e", "-f", cfgPath}
	if len(o.readOnly) > 0 {
		var sh strings.Builder
		for _, d := range o.readOnly {
			fmt.Fprintf(&sh, "mount --bind %s %s && mount -o remount,ro,bind %s %s && ", shellQuote(d), shellQuote(d), shellQuote(d), shellQuote(d))
		}
		sh.WriteString(`exec "$@"`)
		args = append([]string{"unshare", "-m", "--propagation", "private", "sh", "-c", sh.String(), "sh"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	logFile, err := os.Create(filepath.Join(dir, "sshd.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so that cleanup also ends the session
	// processes sshd forks for connections still open.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	log := func() string { b, _ := os.ReadFile(logFile.Name()); return string(b) }
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), time.Second)
		if err == nil {
			c.Close()
			return s
		}
		select {
		case <-exited:
			t.Fatalf("sshd exited at start:\n%s", log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd does not listen on port %d after 10s:\n%s", s.Port, log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *testSSHD) endpoint(node string) Endpoint {
	return Endpoint{Node: node, Host: "127.0.0.1", Port: s.Port, User: "root", IdentityFile: s.UserKey}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
