package provision

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

func newHostKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Each KnownHosts below stands for another process (lab provision, lab
// members, bench): they share nothing but the file, so only the file
// lock keeps their pins from overwriting each other.
func TestKnownHostsConcurrentWritersKeepEveryPin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "known_hosts")
	// A file that an ssh client left without its last newline.
	if err := os.WriteFile(path, []byte("web_0 "+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(newHostKey(t))))), 0o600); err != nil {
		t.Fatal(err)
	}
	const n = 24
	keys := make([]ssh.PublicKey, n)
	for i := range keys {
		keys[i] = newHostKey(t)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = NewKnownHosts(path).Callback(fmt.Sprintf("web_%d", i+1))("", nil, keys[i])
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("pin web_%d: %v", i+1, err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines != n+1 {
		t.Errorf("file has %d lines, want %d:\n%s", lines, n+1, data)
	}
	for i := range n {
		if err := NewKnownHosts(path).Callback(fmt.Sprintf("web_%d", i+1))("", nil, keys[i]); err != nil {
			t.Errorf("web_%d after the race: %v", i+1, err)
		}
	}
}

// Two processes meeting the same new node at once, with different keys
// (one of them is being intercepted): one pins, the other is refused.
func TestKnownHostsRaceOnOneNodePinsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "known_hosts")
	a, b := newHostKey(t), newHostKey(t)
	var wg sync.WaitGroup
	var errA, errB error
	wg.Go(func() { errA = NewKnownHosts(path).Callback("web_1")("", nil, a) })
	wg.Go(func() { errB = NewKnownHosts(path).Callback("web_1")("", nil, b) })
	wg.Wait()
	var changed *HostKeyChangedError
	if (errA == nil) == (errB == nil) || !(errors.As(errA, &changed) || errors.As(errB, &changed)) {
		t.Fatalf("want one pin and one refusal, got %v and %v", errA, errB)
	}
	data, _ := os.ReadFile(path)
	if c := strings.Count(string(data), "web_1 "); c != 1 {
		t.Errorf("web_1 pinned %d times:\n%s", c, data)
	}
}
