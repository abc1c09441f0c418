package lab

import (
	"bytes"
	"crypto/rand"
	"debug/elf"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/internal/boundedfile"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/provision"
)

// AgentBinaryName is the name lab looks for beside its own binary:
// labagent-linux-amd64, labagent-linux-arm64. Build them with
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o bin/labagent-linux-amd64 ./cmd/labagent
//	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -o bin/labagent-linux-arm64 ./cmd/labagent
//	go build -o bin/lab ./cmd/lab
//
// which works the same on Linux, macOS and Windows hosts.
func AgentBinaryName(arch string) string { return "labagent-linux-" + arch }

// AgentArchs are the architectures lab looks for agent binaries for.
var agentArchs = []string{"amd64", "arm64"}

// FindAgentBinaries returns the agent binaries by GOARCH: the one given
// (--agent-binary, its architecture read from its ELF header), else the
// labagent-linux-ARCH files in dir (the directory of the lab binary).
func FindAgentBinaries(flavour provision.Flavour, given, dir string) (map[string]string, error) {
	if given != "" {
		arch, err := ELFArch(given)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, hint.Errorf("check the path", "--agent-binary %s: no such file", given)
		}
		if err != nil {
			return nil, hint.Errorf("pass a linux binary (GOOS=linux)", "--agent-binary %s: %w", given, err)
		}
		return map[string]string{arch: given}, nil
	}
	if !flavour.Bundled() {
		return nil, hint.Errorf(fmt.Sprintf("download a linux %s binary and pass its path", flavour), "--agent %s needs --agent-binary PATH", flavour)
	}
	found := map[string]string{}
	for _, arch := range agentArchs {
		path := filepath.Join(dir, AgentBinaryName(arch))
		if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
			found[arch] = path
		}
	}
	if len(found) == 0 {
		return nil, hint.Errorf(fmt.Sprintf("CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o %s ./cmd/labagent, or pass --agent-binary PATH", filepath.Join(dir, AgentBinaryName("amd64"))), "no agent binaries next to lab in %s (want %s or %s)", dir, AgentBinaryName("amd64"), AgentBinaryName("arm64"))
	}
	return found, nil
}

// ELFArch reads a Linux executable's GOARCH from its ELF header. A
// script ("#!") runs anywhere; it is offered for the host's architecture.
func ELFArch(path string) (string, error) {
	head := make([]byte, 4)
	r, err := boundedfile.Open(path, 1<<40) // any size; a pipe or a device is refused
	if err != nil {
		return "", err
	}
	n, _ := io.ReadFull(r, head)
	r.Close()
	head = head[:n]
	if bytes.HasPrefix(head, []byte("#!")) {
		return runtime.GOARCH, nil
	}
	if !bytes.Equal(head, []byte(elf.ELFMAG)) {
		return "", errors.New("not a Linux executable (no ELF header)")
	}
	f, err := elf.Open(path)
	if err != nil {
		return "", fmt.Errorf("not a Linux executable (broken ELF file: %w)", err)
	}
	defer f.Close()
	switch f.Machine {
	case elf.EM_X86_64:
		return "amd64", nil
	case elf.EM_AARCH64:
		return "arm64", nil
	case elf.EM_386:
		return "386", nil
	case elf.EM_ARM:
		return "arm", nil
	}
	return "", fmt.Errorf("unsupported machine %s", f.Machine)
}

// EncryptKeySize is the gossip key length (AES-256).
const EncryptKeySize = 32

// EnsureEncryptKey returns the lab's gossip key, generating it on first
// use into .lab/gossip.key (base64, mode 0600). The key is made once per
// lab: every later provision uses the same one.
func EnsureEncryptKey(p Paths) ([]byte, error) {
	path := p.EncryptKey()
	data, err := boundedfile.ReadFile(path, 4096)
	switch {
	case err == nil:
		st, serr := os.Stat(path)
		if serr == nil && st.Mode().Perm()&0o077 != 0 {
			return nil, hint.Errorf(fmt.Sprintf("chmod 600 %s", path), "%s is readable by others (mode %v)", path, st.Mode().Perm())
		}
		key, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
		if derr != nil || len(key) != EncryptKeySize {
			return nil, hint.Errorf("delete it to have a new one generated (then re-provision every node)", "%s does not hold a base64 %d-byte key", path, EncryptKeySize)
		}
		return key, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("read gossip key: %w", err)
	}
	key := make([]byte, EncryptKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate gossip key: %w", err)
	}
	if err := os.MkdirAll(p.StateDir(), 0o755); err != nil {
		return nil, fmt.Errorf("write gossip key: %w", err)
	}
	if err := atomicfile.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write gossip key: %w", err)
	}
	return key, nil
}

// AgentSettings are the agent settings of the lab's spec; key is the
// gossip key (nil without encryption).
func (l *Lab) AgentSettings(key []byte) provision.AgentSettings {
	s := provision.AgentSettings{Profile: l.Spec.Agent.Profile}
	if l.Spec.Agent.Encrypt {
		s.EncryptKey = key
	}
	if l.Spec.Agent.Join == JoinMDNS {
		s.Discover = l.Spec.Name
	}
	return s
}

// AgentTargets pairs SSH endpoints with their nodes: the lab IP the agent
// binds to, the seeds it joins (the first Spec.Agent.Seeds nodes' IPs,
// itself left out) and its tags.
func (l *Lab) AgentTargets(eps []SSHEndpoint) ([]provision.Target, error) {
	var seeds []string
	if l.Spec.Agent.Join == JoinSeeds {
		for i := 0; i < l.Spec.Agent.Seeds && i < len(l.Nodes); i++ {
			seeds = append(seeds, l.Nodes[i].IP.String())
		}
	}
	targets := make([]provision.Target, 0, len(eps))
	for _, ep := range eps {
		n, ok := l.Node(ep.Node)
		if !ok {
			return nil, fmt.Errorf("endpoint for unknown node %q", ep.Node)
		}
		var join []string
		for _, s := range seeds {
			if s != n.IP.String() {
				join = append(join, s)
			}
		}
		targets = append(targets, provision.Target{
			Endpoint: provision.Endpoint{Node: ep.Node, Host: ep.Host, Port: ep.Port, User: ep.User, IdentityFile: ep.IdentityFile},
			IP:       n.IP.String(),
			Join:     join,
			Tags:     n.Tags,
		})
	}
	return targets, nil
}
