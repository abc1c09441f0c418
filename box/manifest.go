package box

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Package is an installed Debian package.
type Package struct {
	Name, Version, Arch string
}

// parsePackages reads dpkg-query's "name\tversion\tarch" lines.
func parsePackages(data []byte) ([]Package, error) {
	var out []Package
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[0] == "" || f[1] == "" {
			return nil, fmt.Errorf("package list, line %d: %q is not name, version and architecture", i+1, line)
		}
		out = append(out, Package{Name: f[0], Version: f[1], Arch: f[2]})
	}
	return out, nil
}

// manifestPath is where the manifest goes inside the box's system.
const manifestPath = "usr/share/gossiplab/box-manifest.txt"

// manifest says what a box holds; it goes into the box's system and,
// as manifest.txt, into every box file.
func (b *builder) manifest() ([]byte, error) {
	var w bytes.Buffer
	fmt.Fprintf(&w, "# gossiplab Vagrant box, built by lab box build\n")
	fmt.Fprintf(&w, "name: %s\nsuite: %s\nkernel: %s\n", b.o.Name, Suite, b.res.Kernel)
	fmt.Fprintf(&w, "source-date-epoch: %d (%s)\n", b.o.SourceDateEpoch, time.Unix(b.o.SourceDateEpoch, 0).UTC().Format(time.RFC3339))
	for _, s := range b.srcs {
		fmt.Fprintf(&w, "source: %s\n", s.line())
	}
	fmt.Fprintf(&w, "requested: %s\n", strings.Join(Packages(), " "))
	if b.o.Agent != "" {
		sum, err := fileSHA256(b.o.Agent)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&w, "agent: /usr/local/bin/labagent sha256:%s\n", sum)
	}
	fmt.Fprintf(&w, "packages:\n")
	for _, p := range b.res.Installed {
		fmt.Fprintf(&w, "  %s %s %s\n", p.Name, p.Version, p.Arch)
	}
	return w.Bytes(), nil
}

func (b *builder) writeManifest() error {
	data, err := b.manifest()
	if err != nil {
		return err
	}
	path := filepath.Join(b.rootfs, manifestPath)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	t := time.Unix(b.o.SourceDateEpoch, 0)
	return os.Chtimes(path, t, t)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
