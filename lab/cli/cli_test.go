package cli_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gossiplab/gossiplab/internal/labtest"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/cli"
	"github.com/gossiplab/gossiplab/lab/provider/vagrant"
)

// The scripts under testdata/script drive the lab command as a user
// would; `lab` in them runs this test binary as the command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"lab": func() {
			env := &cli.Env{
				Logger:    slog.New(slog.NewTextHandler(os.Stderr, nil)),
				Streams:   cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr},
				Providers: testProviders(),
				Version:   "test",
			}
			os.Exit(cli.Run(context.Background(), env, os.Args[1:]))
		},
	})
}

func TestScripts(t *testing.T) {
	// $PORTS: the first of 60 free ports on loopback, for the scripts'
	// SSH port bases (a fixed base meets other labs on a shared host).
	ports := strconv.Itoa(labtest.FreePorts(t, 47100, 60))
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			e.Setenv("PORTS", ports)
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "vboxconf": // VirtualBox's host-only allow-list exists on this host
				_, err := os.Stat("/etc/vbox/networks.conf")
				return err == nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

// testProviders are the Vagrant providers, which run nothing until a
// command needs vagrant: init renders Vagrantfiles with them and plan
// asks them for their footprint. The netns provider is left out, so the
// scripts see what a command says when the binary lacks a lab's provider.
func testProviders() *lab.Registry {
	r := lab.NewRegistry()
	for _, name := range []string{lab.ProviderVirtualBox, lab.ProviderLibvirt} {
		p, err := vagrant.New(vagrant.Options{Provider: name})
		if err != nil {
			panic(err)
		}
		r.Register(p, false)
	}
	return r
}
