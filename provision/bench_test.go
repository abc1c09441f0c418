package provision

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkRunRootSSHD is the cost of one remote command on an open
// connection (session, exec, exit status) against a local sshd.
func BenchmarkRunRootSSHD(b *testing.B) {
	s := startSSHD(b, sshdOptions{})
	c, err := Dial(context.Background(), s.endpoint("web_1"), NewKnownHosts(filepath.Join(b.TempDir(), "kh")), quickDial())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Run(context.Background(), "true", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDialRootSSHD is the per-node SSH overhead: TCP connect and SSH
// handshake (key exchange, host key check, public key auth).
func BenchmarkDialRootSSHD(b *testing.B) {
	s := startSSHD(b, sshdOptions{})
	kh := NewKnownHosts(filepath.Join(b.TempDir(), "kh"))
	for b.Loop() {
		c, err := Dial(context.Background(), s.endpoint("web_1"), kh, quickDial())
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}
