package netns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"

	"github.com/gossiplab/gossiplab/lab"
)

var _ lab.Placer = (*Provider)(nil)

// Place puts a local file (the agent binary) into a node's /usr/local/bin
// by hard-linking one copy per lab into the node's directory, which the
// node sees as its /usr/local/bin: 52 nodes then cost one copy of the
// binary on disk and in the page cache, and no upload. Any other target
// is left to SFTP.
func (p *Provider) Place(_ context.Context, l *lab.Lab, node, local, remote string) (bool, error) {
	if path.Dir(remote) != "/usr/local/bin" {
		return false, nil
	}
	shared, err := sharedCopy(l, local)
	if err != nil {
		return false, err
	}
	dst := filepath.Join(dirsOf(l, node).usrLocalBin(), path.Base(remote))
	if err := os.Link(shared, dst); err != nil {
		return false, fmt.Errorf("link %s into node %s: %w", filepath.Base(local), node, err)
	}
	return true, nil
}

// sharedCopy is the lab's copy of local, made once (named by its size and
// modification time, so a rebuilt binary gets a copy of its own) beside
// the node directories, on their filesystem.
func sharedCopy(l *lab.Lab, local string) (string, error) {
	st, err := os.Stat(local)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(providerDir(l), "files")
	name := filepath.Join(dir, filepath.Base(local)+"-"+strconv.FormatInt(st.Size(), 10)+"-"+strconv.FormatInt(st.ModTime().UnixNano(), 10))
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
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return "", err
	}
	if err := errors.Join(tmp.Chmod(0o755), tmp.Sync(), tmp.Close()); err != nil {
		return "", err
	}
	// Concurrent first calls each make a copy; the rename makes one win.
	return name, os.Rename(tmp.Name(), name)
}
