package core

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"

	"github.com/gossiplab/gossiplab/lab"
)

// A released lab builds labagent for another architecture from the
// module proxy, as `go install .../cmd/labagent@VERSION` would: here from
// a file:// proxy holding this repository's HEAD as a made-up release
// (the module's dependencies come from the real proxy), once, then from
// its cache.
func TestBuildAgentFromTheModuleProxy(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("needs the go tool: %v", err)
	}
	const mod, version = "github.com/gossiplab/gossiplab", "v0.99.0"
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatalf("needs the repository's git checkout: %v", err)
	}
	proxy := t.TempDir()
	dir := filepath.Join(proxy, mod, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := zip.CreateFromVCS(f, module.Version{Path: mod, Version: version}, strings.TrimSpace(string(root)), "HEAD", ""); err != nil {
		t.Fatalf("zip HEAD: %v", err)
	}
	f.Close()
	gomod, err := exec.Command("git", "-C", strings.TrimSpace(string(root)), "show", "HEAD:go.mod").Output()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{version + ".mod": string(gomod), version + ".info": `{"Version":"` + version + `"}`, "list": version + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	upstream, _ := exec.Command("go", "env", "GOPROXY").Output()
	env := []string{"GOPROXY=file://" + proxy + "," + strings.TrimSpace(string(upstream)), "GONOSUMDB=" + mod, "GONOSUMCHECK=1"}
	cache := t.TempDir()
	bin, err := buildAgent(context.Background(), mod, version, "arm64", cache, env)
	if err != nil {
		t.Fatalf("build for linux/arm64: %v", err)
	}
	if arch, err := lab.ELFArch(bin); err != nil || arch != "arm64" {
		t.Fatalf("%s is %q (%v), want arm64", bin, arch, err)
	}
	// Cached: no go command the second time (an empty PATH would fail it).
	t.Setenv("PATH", "")
	again, err := buildAgent(context.Background(), mod, version, "arm64", cache, env)
	if err != nil || again != bin {
		t.Errorf("second build: %q, %v; want the cached %q", again, err, bin)
	}
}

// A lab built from a checkout cannot name its source: it says what to
// run instead.
func TestBuildAgentFromACheckoutSaysWhatToDo(t *testing.T) {
	_, err := buildAgent(context.Background(), "github.com/gossiplab/gossiplab", "", "arm64", t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "built from a checkout") {
		t.Fatalf("err = %v", err)
	}
}
