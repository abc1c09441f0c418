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
	"github.com/gossiplab/gossiplab/lab/provider/builtin"
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

// testProviders are the providers main registers; with
// LAB_TEST_PROVIDERS=vagrant (set by the scripts that need it) only the
// Vagrant ones, so that a netns lab meets a binary that lacks netns.
func testProviders() *lab.Registry {
	if os.Getenv("LAB_TEST_PROVIDERS") != "vagrant" {
		r, err := builtin.Registry(slog.New(slog.DiscardHandler))
		if err != nil {
			panic(err)
		}
		return r
	}
	return vagrantProviders()
}

// vagrantProviders are the Vagrant providers only; without VirtualBox or
// libvirt on the host they cannot boot anything.
func vagrantProviders() *lab.Registry {
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
