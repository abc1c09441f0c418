package agent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/hint"
)

func TestKeysRotationPersists(t *testing.T) {
	k1, _ := GenerateKey()
	k2, _ := GenerateKey()
	file := filepath.Join(t.TempDir(), "keyring.json")
	cfg := DefaultConfig()
	cfg.NodeName = "k"
	cfg.EncryptKey, _ = DecodeKey(k1)
	cfg.KeyringFile = file
	a, err := Create(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		op   KeyOp
		key  string
		want []string
	}{
		{op: KeyList, want: []string{k1}},
		{op: KeyInstall, key: k2, want: []string{k1, k2}},
		{op: KeyUse, key: k2, want: []string{k2, k1}},
		{op: KeyRemove, key: k1, want: []string{k2}},
	}
	for _, s := range steps {
		got, err := a.Keys(s.op, s.key)
		if err != nil {
			t.Fatalf("%s: %v", s.op, err)
		}
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", s.op, diff)
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var onDisk []string
	if err := json.Unmarshal(b, &onDisk); err != nil || !cmp.Equal(onDisk, []string{k2}) {
		t.Errorf("keyring file = %s (%v), want [%s]", b, err, k2)
	}
	if _, err := a.Keys(KeyRemove, k2); err == nil {
		t.Error("removing the primary key succeeded")
	}
	if _, err := a.Keys(KeyInstall, "not base64!"); err == nil || !strings.Contains(hint.Text(err), "keygen") {
		t.Errorf("bad key: %v", err)
	}
	// A restart reads the keyring file; it wins over -encrypt.
	cfg2 := DefaultConfig()
	cfg2.NodeName = "k"
	cfg2.EncryptKey, _ = DecodeKey(k1)
	cfg2.KeyringFile = file
	a2, err := Create(cfg2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := a2.Keys(KeyList, ""); !cmp.Equal(got, []string{k2}) {
		t.Errorf("after restart keys = %v, want [%s]", got, k2)
	}
}
