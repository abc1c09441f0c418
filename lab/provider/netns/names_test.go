package netns

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"

	"github.com/gossiplab/gossiplab/internal/golden"
	"github.com/gossiplab/gossiplab/lab"
)

func TestNamesDoNotOverlapAcrossLabs(t *testing.T) {
	tests := []struct {
		name      string
		lab, node string
		other     string // another lab's name whose prefix must not claim it
	}{
		{"dash suffix", "a-b", "web_1", "a"},
		{"underscore suffix", "a_b", "web_1", "a"},
		{"bridge of a longer name", "a-br", "web_1", "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := nodeNS(tt.lab, tt.node)
			if strings.HasPrefix(ns, labPrefix(tt.other)) {
				t.Errorf("lab %q would claim %s of lab %q", tt.other, ns, tt.lab)
			}
			if strings.HasPrefix(bridgeNS(tt.lab), labPrefix(tt.other)) {
				t.Errorf("lab %q would claim bridge %s", tt.other, bridgeNS(tt.lab))
			}
		})
	}
}

func TestLinkNamesFitIFNAMSIZ(t *testing.T) {
	for _, name := range []string{bridgePort(lab.MaxNodes), natPort(lab.MaxNodes), bridgeDev} {
		if len(name) > 15 {
			t.Errorf("link name %q is longer than 15 bytes", name)
		}
	}
}

func TestBridgeAddr(t *testing.T) {
	s := lab.DefaultSpec()
	if got := bridgeAddr(s).String(); got != "192.168.56.1/21" {
		t.Errorf("bridge address %s, want 192.168.56.1/21", got)
	}
}

func TestSSHDConfig(t *testing.T) {
	golden.Check(t, "sshd_config", sshdConfig("192.168.56.11"))
}

func TestEnsureKeyMakesOnceAndParses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "id_ed25519")
	pub, err := ensureKey(path, "lab@test")
	if err != nil {
		t.Fatal(err)
	}
	again, err := ensureKey(path, "lab@test")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(pub), string(again)); diff != "" {
		t.Errorf("second ensureKey made a new key (-first +second):\n%s", diff)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v, want 0600", st.Mode().Perm())
	}
	priv, _ := os.ReadFile(path)
	signer, err := ssh.ParsePrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	parsed, _, _, _, err := ssh.ParseAuthorizedKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if string(parsed.Marshal()) != string(signer.PublicKey().Marshal()) {
		t.Error(".pub does not match the private key")
	}
}
