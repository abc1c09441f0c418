package cli_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/cli"
)

// vagrantLike is a provider that, as Vagrant does, gives SSH endpoints
// only for running machines: asked about any other, it fails for all.
type vagrantLike struct {
	states map[string]lab.NodeState
}

var _ lab.Provider = (*vagrantLike)(nil)

func (p *vagrantLike) Info() lab.ProviderInfo      { return lab.ProviderInfo{Name: lab.ProviderVirtualBox} }
func (p *vagrantLike) Check(context.Context) error { return nil }
func (p *vagrantLike) Destroy(ctx context.Context, _ *lab.Lab) error {
	if ctx.Err() != nil {
		return fmt.Errorf("destroy namespaces: command \"ip -force -batch -\" failed: %w", ctx.Err())
	}
	return nil
}
func (p *vagrantLike) Up(context.Context, *lab.Lab, []string, lab.UpOptions) error {
	return errors.New("not here")
}
func (p *vagrantLike) Halt(context.Context, *lab.Lab, []string, bool) error {
	return errors.New("not here")
}
func (p *vagrantLike) Reload(context.Context, *lab.Lab, []string) error {
	return errors.New("not here")
}

func (p *vagrantLike) Status(_ context.Context, l *lab.Lab) ([]lab.NodeStatus, error) {
	var out []lab.NodeStatus
	for _, n := range l.NodeNames() {
		out = append(out, lab.NodeStatus{Node: n, State: p.states[n]})
	}
	return out, nil
}

func (p *vagrantLike) SSHEndpoints(_ context.Context, l *lab.Lab, nodes []string) ([]lab.SSHEndpoint, error) {
	var out []lab.SSHEndpoint
	for _, n := range nodes {
		if p.states[n] != lab.StateRunning {
			return nil, errors.New("vagrant ssh-config failed: The provider for this Vagrant-managed machine is reporting that it is not yet ready for SSH")
		}
		node, _ := l.Node(n)
		out = append(out, lab.SSHEndpoint{Node: n, Host: "127.0.0.1", Port: node.SSHPort, User: "vagrant", IdentityFile: "/k/" + n})
	}
	return out, nil
}

// newFakeLab makes a VirtualBox lab of len(states) nodes whose provider
// is a vagrantLike with those states.
func newFakeLab(t *testing.T, states map[string]lab.NodeState) (string, *lab.Registry) {
	t.Helper()
	dir := t.TempDir()
	reg := lab.NewRegistry()
	reg.Register(&vagrantLike{states: states}, false)
	if _, stderr, code := runLab(t, reg, "init", "--dir", dir, "--nodes", strconv.Itoa(len(states)), "--ssh-port-base", "46800"); code != 0 {
		t.Fatalf("init: %s", stderr)
	}
	return dir, reg
}

func runLab(t *testing.T, reg *lab.Registry, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runLabCtx(t, context.Background(), reg, args...)
}

func runLabCtx(t *testing.T, ctx context.Context, reg *lab.Registry, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &cli.Env{
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Streams:   cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut},
		Providers: reg,
		Version:   "test",
	}
	code = cli.Run(ctx, env, args)
	return out.String(), errOut.String(), code
}

// A Vagrant lab with a halted and a not-created machine: lab status lists
// every node instead of failing on vagrant ssh-config, and lab ssh-config
// prints the running ones and names the others.
func TestStatusWithMachinesNotRunning(t *testing.T) {
	dir, reg := newFakeLab(t, map[string]lab.NodeState{
		"web_1": lab.StateRunning, "web_2": lab.StateHalted, "web_3": lab.StateNotCreated,
	})

	stdout, stderr, code := runLab(t, reg, "status", "--dir", dir)
	if code != 0 {
		t.Fatalf("status: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"web_1  running      192.168.56.11  vagrant@127.0.0.1:46800",
		"web_2  halted       192.168.56.12  127.0.0.1:46801",
		"web_3  not created  192.168.56.13  127.0.0.1:46802",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, stdout)
		}
	}

	stdout, stderr, code = runLab(t, reg, "ssh-config", "--dir", dir)
	if code != 0 || !strings.Contains(stdout, "Host web_1\n") || strings.Contains(stdout, "web_2") {
		t.Errorf("ssh-config: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "left out, not running: web_2 (halted), web_3 (not created)") {
		t.Errorf("ssh-config does not name the nodes it leaves out:\n%s", stderr)
	}
}

// The error of a missing agent binary is said once, not prefixed with
// "no agent binaries: ".
func TestProvisionMissingAgentBinary(t *testing.T) {
	dir, reg := newFakeLab(t, map[string]lab.NodeState{"web_1": lab.StateRunning})
	_, stderr, code := runLab(t, reg, "provision", "--dir", dir, "--agent-binary", "/nonexistent/labagent")
	if code == 0 || !strings.HasPrefix(stderr, "lab: --agent-binary /nonexistent/labagent: no such file\nhint: check the path") {
		t.Errorf("provision with a missing binary: exit %d\n%s", code, stderr)
	}
}

// Ctrl-C during lab destroy says so and how to finish, not the command
// that the cancellation broke ("context canceled").
func TestDestroyInterrupted(t *testing.T) {
	dir, reg := newFakeLab(t, map[string]lab.NodeState{"web_1": lab.StateRunning})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, stderr, code := runLabCtx(t, ctx, reg, "destroy", "--force", "--dir", dir)
	if code == 0 || stderr != "lab: lab destroy interrupted\nhint: run lab destroy again: it removes what is left\n" {
		t.Errorf("interrupted destroy: exit %d\n%s", code, stderr)
	}
}
