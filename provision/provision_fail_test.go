package provision

// Provisioning that fails: what it leaves on the node, and what it says.

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestProvisionRootSSHDSHA256MismatchKeepsPrevious(t *testing.T) {
	f := newProvFixture(t, sshdOptions{}, "")
	f.run(f.options(fakeAgent(t, "labagent", "0.1.0", false), "0.1.0"), ActionInstalled)
	pid := f.pid("labagent")
	o := f.options(fakeAgent(t, "labagent", "0.2.0", false), "0.2.0")
	o.afterUpload = func(path string) { // corrupt the upload on the "node"
		if strings.Contains(path, ".labagent.lab-") {
			fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err == nil {
				fh.WriteString("# flipped bit\n")
				fh.Close()
			}
		}
	}
	f.run(o, ActionFailed, `node "web_1"`, "binary: sha256 mismatch after upload")
	l := f.layout("labagent")
	if !strings.Contains(f.readFile(l.Binary()), "0.1.0") {
		t.Error("previous binary not intact")
	}
	if f.pid("labagent") != pid {
		t.Error("previous agent not running untouched")
	}
	f.noTempFiles(l.BinDir())
	f.noTempFiles(l.ConfDir())
}

// A first install that does not start has no previous version to put
// back, and must not say it puts one back.
func TestProvisionRootSSHDBrokenFirstInstall(t *testing.T) {
	f := newProvFixture(t, sshdOptions{}, "")
	res := f.run(f.options(fakeAgent(t, "labagent", "0.2.0", true), "0.2.0"), ActionFailed, "(exit status 4)", "there was no earlier agent to put back")
	if strings.Contains(res.Err.Error(), "putting the previous version back") {
		t.Errorf("a first install claims to put a previous version back:\n%v", res.Err)
	}
}

func TestProvisionRootSSHDBrokenAgentRollsBack(t *testing.T) {
	f := newProvFixture(t, sshdOptions{}, "")
	f.run(f.options(fakeAgent(t, "labagent", "0.1.0", false), "0.1.0"), ActionInstalled)
	o := f.options(fakeAgent(t, "labagent", "0.2.0", true), "0.2.0")
	o.Agent.Profile = "wan"
	f.run(o, ActionFailed, "(exit status 4)", "putting the previous version back")
	l := f.layout("labagent")
	if !strings.Contains(f.readFile(l.Binary()), "0.1.0") || !strings.Contains(f.readFile(l.Config()), `"profile": "lan"`) {
		t.Error("previous binary and config not restored")
	}
	if f.pid("labagent") == 0 {
		t.Error("previous agent not running again")
	}
	f.noTempFiles(l.BinDir())
}

func TestProvisionRootSSHDReadOnlyTarget(t *testing.T) {
	root := t.TempDir()
	l := Layout{Root: root, Name: "labagent"}
	if err := os.MkdirAll(l.BinDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	prev := "#!/bin/sh\necho 'labagent v0.0.9'\n"
	if err := os.WriteFile(l.Binary(), []byte(prev), 0o755); err != nil {
		t.Fatal(err)
	}
	f := newProvFixture(t, sshdOptions{readOnly: []string{l.BinDir()}}, root)
	f.run(f.options(fakeAgent(t, "labagent", "0.1.0", false), "0.1.0"), ActionFailed,
		`node "web_1"`, "upload binary", "Read-only file system", "hint: the target directories must be writable")
	if f.readFile(l.Binary()) != prev {
		t.Error("previous binary changed")
	}
	if _, err := os.Stat(l.Config()); err == nil {
		t.Error("config written although the binary failed")
	}
}

func TestProvisionRootSSHDNoBinaryForArch(t *testing.T) {
	f := newProvFixture(t, sshdOptions{}, "")
	o := f.options(fakeAgent(t, "labagent", "0.1.0", false), "0.1.0")
	o.Bundle.Binaries = map[string]string{"arm64": o.Bundle.Binaries["amd64"]}
	r := f.run(o, ActionFailed, `node "web_1" is linux/amd64`, "no labagent binary for it (have: arm64)")
	// What to build and where to put it is the CLI's to say: it gets the
	// architecture from the error.
	var ae *ArchError
	if !errors.As(r.Err, &ae) || ae.Arch != "amd64" || ae.Flavour != FlavourLabagent {
		t.Errorf("err = %#v, want an *ArchError for amd64", r.Err)
	}
	if _, err := os.Stat(f.layout("labagent").Binary()); err == nil {
		t.Error("something was installed")
	}
}
