package netns

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/gossiplab/gossiplab/lab"
)

var _ lab.Placer = (*Provider)(nil)

// Place puts a local file (the agent binary) into a node's /usr/local/bin
// by hard-linking one copy per lab into the node's directory, which the
// node sees as its /usr/local/bin: 52 nodes then cost one copy of the
// binary on disk and in the page cache, and no upload. Any other target
// is left to SFTP.
func (p *Provider) Place(_ context.Context, l *lab.Lab, node, local, sum, remote string) (bool, error) {
	if path.Dir(remote) != "/usr/local/bin" {
		return false, nil
	}
	shared, err := sharedCopy(l, local, sum)
	if err != nil {
		return false, err
	}
	dst := filepath.Join(dirsOf(l, node).usrLocalBin(), path.Base(remote))
	if err := os.Link(shared, dst); err != nil {
		return false, fmt.Errorf("link %s into node %s: %w", filepath.Base(local), node, err)
	}
	return true, nil
}

// sharedCopy is the lab's copy of local, whose sha256 is sum, made once
// (named by the sum) beside the node directories, on their filesystem;
// the copy's sum is checked as it is written.
func sharedCopy(l *lab.Lab, local, sum string) (string, error) {
	dir := filepath.Join(providerDir(l), "files")
	name := filepath.Join(dir, filepath.Base(local)+"-"+sum)
	if _, err := os.Stat(name); err == nil {
		return name, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	in, err := os.Open(local)
	if err != nil {
		return "", err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(dir, ".copy-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), in); err != nil {
		tmp.Close()
		return "", err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		tmp.Close()
		return "", fmt.Errorf("%s changed while lab provisioned: sha256 %s, want %s", local, got, sum)
	}
	if err := errors.Join(tmp.Chmod(0o755), tmp.Sync(), tmp.Close()); err != nil {
		return "", err
	}
	// Concurrent first calls each make a copy, and the first to link it
	// under the name wins; the others' go. (Renaming over the name would
	// free the inode another call is linking into a node: link(2) then
	// fails with ENOENT.)
	if err := os.Link(tmp.Name(), name); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	return name, nil
}
