package core

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/internal/atomicfile"
	"github.com/gossiplab/gossiplab/internal/execx"
	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/provision"
)

// AgentName is the name under which the lab binary is the agent:
// provisioning installs it on nodes as /usr/local/bin/labagent.
const AgentName = "labagent"

// IsAgent reports whether this process is to be the agent, so that main
// runs labagent's command line instead of lab's: started under the
// agent's name (as installed on a node), or asked by provision.AgentEnv
// (the install's version check of an upload not yet renamed).
func IsAgent(argv0 string, getenv func(string) string) bool {
	return filepath.Base(argv0) == AgentName || getenv(provision.AgentEnv) == AgentName
}

// agentBundle is the agent provisioning installs: o.AgentBinary when
// given; for the bundled agent, labagent-linux-ARCH files beside lab (a
// release archive's); for a lab installed at a released version, a
// labagent built from the module cache for lab's platform (once, then
// cached: it takes 8 MB less memory per node than lab itself); else lab's
// own executable, which is the agent when started as labagent.
func (c *Lab) agentBundle(ctx context.Context, flavour provision.Flavour, given string) (provision.Bundle, error) {
	bundle := provision.Bundle{Flavour: flavour}
	found, err := lab.FindAgentBinaries(flavour, given, c.agentDir())
	if err == nil {
		bundle.Binaries = found
		// The version of a binary this host can run; for the others, the
		// same build's version is assumed (one go build of one tree).
		if bin, ok := found[runtime.GOARCH]; ok && runtime.GOOS == "linux" {
			bundle.Version, err = provision.LocalVersion(ctx, bin)
		}
		return bundle, err
	}
	self := c.opts.SelfAgent
	if given != "" || !flavour.Bundled() || self == "" || runtime.GOOS != "linux" {
		return bundle, &NoAgentError{Err: err}
	}
	if releaseVersion() != "" {
		if built, berr := BuildAgent(ctx, runtime.GOARCH); berr == nil {
			bundle.Binaries = map[string]string{runtime.GOARCH: built}
			bundle.Version = agent.Version()
			return bundle, nil
		} else {
			c.log.Debug("no labagent built from the module cache; provisioning lab itself as the agent", "err", berr)
		}
	}
	bundle.Binaries = map[string]string{runtime.GOARCH: self}
	bundle.Version = agent.Version()
	return bundle, nil
}

// agentCacheDir keeps the agents lab built for other architectures.
func agentCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "gossiplab", "agents"), nil
}

// BuildAgent makes a labagent binary for linux/arch, for nodes of another
// architecture than lab's own: with the Go toolchain, from the module
// proxy at lab's own version (a released lab), into lab's cache, which
// later provisions reuse. A lab built from a checkout cannot name its
// source; the error then says the command to run there.
func BuildAgent(ctx context.Context, arch string) (string, error) {
	cache, err := agentCacheDir()
	if err != nil {
		return "", err
	}
	return buildAgent(ctx, modulePath(), releaseVersion(), arch, cache, nil)
}

// buildAgent builds module's labagent at version for linux/arch into
// cache (env is added to the go command's).
func buildAgent(ctx context.Context, module, version, arch, cache string, env []string) (string, error) {
	manual := fmt.Sprintf("in the gossiplab checkout lab was built from: CGO_ENABLED=0 GOOS=linux GOARCH=%s go build -o %s ./cmd/labagent, then pass --agent-binary or put it next to lab", arch, lab.AgentBinaryName(arch))
	if version == "" {
		return "", hint.Errorf(manual, "no labagent for linux/%s, and this lab was built from a checkout: it cannot build one itself", arch)
	}
	dst := filepath.Join(cache, version, lab.AgentBinaryName(arch))
	if st, err := os.Stat(dst); err == nil && st.Mode().IsRegular() {
		return dst, nil
	}
	if _, err := exec.LookPath("go"); err != nil {
		return "", hint.Errorf("install Go (https://go.dev/dl), or "+manual, "no labagent for linux/%s, and no Go toolchain to build one", arch)
	}
	// go install takes GOBIN for native builds only: a cross build lands
	// in GOPATH/bin/linux_ARCH.
	native := runtime.GOOS == "linux" && runtime.GOARCH == arch
	gobin := filepath.Join(cache, version, "bin")
	if !native {
		gobin = ""
	}
	cmd := execx.Cmd{Args: []string{"go", "install", "-trimpath", module + "/cmd/labagent@" + version},
		Env: append([]string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + arch, "GOFLAGS=", "GOBIN=" + gobin}, env...), Dir: os.TempDir()}
	if _, err := (execx.Exec{}).Run(ctx, cmd); err != nil {
		return "", hint.Wrap(fmt.Errorf("build labagent %s for linux/%s: %w", version, arch, err), manual)
	}
	built := filepath.Join(gobin, "labagent")
	if !native {
		gopath, err := (execx.Exec{}).Run(ctx, execx.Cmd{Args: []string{"go", "env", "GOPATH"}, Env: env})
		if err != nil {
			return "", fmt.Errorf("find what go install built: %w", err)
		}
		first, _, _ := strings.Cut(strings.TrimSpace(string(gopath)), string(os.PathListSeparator))
		built = filepath.Join(first, "bin", "linux_"+arch, "labagent")
	}
	return dst, copyFile(built, dst)
}

// releaseVersion is the module version lab was installed at
// (go install .../cmd/lab@v0.2.0), or "" for a checkout build.
func releaseVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" || bi.Main.Version == "(devel)" || strings.Count(bi.Main.Version, "-") >= 2 {
		return "" // a checkout, or a pseudo-version of one
	}
	return bi.Main.Version
}

func modulePath() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path != "" {
		return bi.Main.Path
	}
	return "github.com/gossiplab/gossiplab"
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(dst, data, 0o755)
}
