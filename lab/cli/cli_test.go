package cli_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/cli"
)

// The scripts under testdata/script drive the lab command as a user
// would; `lab` in them runs this test binary as the command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"lab": func() {
			env := &cli.Env{
				Logger:    slog.New(slog.NewTextHandler(os.Stderr, nil)),
				Streams:   cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr},
				Providers: lab.NewRegistry(),
				Version:   "test",
			}
			os.Exit(cli.Run(context.Background(), env, os.Args[1:]))
		},
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
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
