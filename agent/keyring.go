package agent

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/hashicorp/memberlist"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/internal/boundedfile"
	"github.com/gossiplab/gossiplab/internal/hint"
)

// GenerateKey returns a new random 32-byte gossip key, base64 encoded
// (what `labagent keygen` prints and -encrypt takes).
func GenerateKey() (string, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(k), nil
}

// DecodeKey decodes a base64 gossip key and checks its length.
func DecodeKey(s string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, hint.Errorf("generate one with `labagent keygen`", "encryption key is not valid base64: %w", err)
	}
	if n := len(k); n != 16 && n != 24 && n != 32 {
		return nil, hint.Errorf("generate one with `labagent keygen`", "encryption key is %d bytes, want 16, 24 or 32", n)
	}
	return k, nil
}

// loadKeyring builds the keyring from the keyring file (a JSON list of
// base64 keys, primary first, as Serf writes it) and/or EncryptKey. It
// returns nil when encryption is off.
func loadKeyring(c *Config, logger *slog.Logger) (*memberlist.Keyring, error) {
	var keys [][]byte
	if c.KeyringFile != "" {
		b, err := boundedfile.ReadFile(c.KeyringFile, MaxKeyringFileSize)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("read keyring file: %w", err)
		default:
			var enc []string
			if err := json.Unmarshal(b, &enc); err != nil {
				return nil, hint.Errorf("it holds a JSON list of base64 keys, primary first", "keyring file %s: %w", c.KeyringFile, err)
			}
			for _, s := range enc {
				k, err := DecodeKey(s)
				if err != nil {
					return nil, fmt.Errorf("keyring file %s: %w", c.KeyringFile, err)
				}
				keys = append(keys, k)
			}
		}
	}
	if len(c.EncryptKey) > 0 {
		if len(keys) > 0 {
			logger.Warn("both an encryption key and a keyring file are given; the keyring file wins", "file", c.KeyringFile)
		} else {
			keys = append(keys, c.EncryptKey)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	kr, err := memberlist.NewKeyring(keys, keys[0])
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	if c.KeyringFile != "" {
		if err := saveKeyring(c.KeyringFile, kr); err != nil {
			return nil, err
		}
	}
	return kr, nil
}

func saveKeyring(path string, kr *memberlist.Keyring) error {
	var enc []string
	for _, k := range kr.GetKeys() { // primary first
		enc = append(enc, base64.StdEncoding.EncodeToString(k))
	}
	b, _ := json.MarshalIndent(enc, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("keyring directory: %w", err)
	}
	if err := atomicfile.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write keyring file: %w", err)
	}
	return nil
}

// KeyOp is a keyring operation of `labagent keys`.
type KeyOp string

// The keyring operations.
const (
	KeyList    KeyOp = "list"
	KeyInstall KeyOp = "install"
	KeyUse     KeyOp = "use"
	KeyRemove  KeyOp = "remove"
)

// Keys applies op to this agent's keyring only (key is base64; unused
// for list) and returns the keys afterwards, primary first; KeysCluster
// does it on every member. The keyring file is updated. To rotate:
// install the new key, use it, remove the old one.
func (a *Agent) Keys(op KeyOp, key string) ([]string, error) {
	if a.keyring == nil {
		return nil, hint.Errorf("start it with -encrypt KEY or -keyring-file", "gossip encryption is not enabled on this agent")
	}
	if op != KeyList {
		k, err := DecodeKey(key)
		if err != nil {
			return nil, err
		}
		switch op {
		case KeyInstall:
			err = a.keyring.AddKey(k)
		case KeyUse:
			err = a.keyring.UseKey(k)
		case KeyRemove:
			err = a.keyring.RemoveKey(k)
		default:
			return nil, fmt.Errorf("unknown key operation %q", op)
		}
		if err != nil {
			return nil, fmt.Errorf("keys -%s: %w", op, err)
		}
		if a.cfg.KeyringFile != "" {
			if err := saveKeyring(a.cfg.KeyringFile, a.keyring); err != nil {
				return nil, err
			}
		}
	}
	var out []string
	for _, k := range a.keyring.GetKeys() {
		out = append(out, base64.StdEncoding.EncodeToString(k))
	}
	return out, nil
}
