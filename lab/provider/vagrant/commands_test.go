package vagrant

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/lab"
)

func TestCommandLines(t *testing.T) {
	statusCreated := func(states ...string) string {
		var b strings.Builder
		for i, s := range states {
			name := []string{"web_1", "web_2", "web_3"}[i]
			b.WriteString("1," + name + ",provider-name,x\n1," + name + ",state," + s + "\n")
		}
		return b.String()
	}
	tests := []struct {
		name     string
		provider string
		replies  map[string]reply
		do       func(context.Context, *Provider, *lab.Lab) error
		want     []string
		unsorted bool // commands ran concurrently: compare sorted
		first    bool // ... after the first, which ran alone
	}{
		{
			name: "up virtualbox: first alone, then one process per node", provider: "virtualbox",
			do: func(ctx context.Context, p *Provider, l *lab.Lab) error {
				return p.Up(ctx, l, []string{"web_1", "web_2", "web_3"}, lab.UpOptions{Parallel: 2})
			},
			want: []string{
				"vagrant up --provider=virtualbox --machine-readable web_1",
				"vagrant up --provider=virtualbox --machine-readable web_2",
				"vagrant up --provider=virtualbox --machine-readable web_3",
			},
			unsorted: true, first: true,
		},
		{
			name: "up libvirt: first alone, then --parallel batches", provider: "libvirt",
			do: func(ctx context.Context, p *Provider, l *lab.Lab) error {
				return p.Up(ctx, l, []string{"web_1", "web_2", "web_3"}, lab.UpOptions{Parallel: 2})
			},
			want: []string{
				"vagrant up --parallel --provider=libvirt --machine-readable web_1",
				"vagrant up --parallel --provider=libvirt --machine-readable web_2 web_3",
			},
		},
		{
			name: "up libvirt batches of one", provider: "libvirt",
			do: func(ctx context.Context, p *Provider, l *lab.Lab) error {
				return p.Up(ctx, l, []string{"web_1", "web_2", "web_3"}, lab.UpOptions{Parallel: 1})
			},
			want: []string{
				"vagrant up --parallel --provider=libvirt --machine-readable web_1",
				"vagrant up --parallel --provider=libvirt --machine-readable web_2",
				"vagrant up --parallel --provider=libvirt --machine-readable web_3",
			},
		},
		{
			name: "halt graceful", provider: "virtualbox",
			do: func(ctx context.Context, p *Provider, l *lab.Lab) error {
				return p.Halt(ctx, l, []string{"web_3"}, false)
			},
			want: []string{"vagrant halt --machine-readable web_3"},
		},
		{
			name: "halt force", provider: "libvirt",
			do: func(ctx context.Context, p *Provider, l *lab.Lab) error {
				return p.Halt(ctx, l, []string{"web_1", "web_2"}, true)
			},
			want:     []string{"vagrant halt --force --machine-readable web_1", "vagrant halt --force --machine-readable web_2"},
			unsorted: true,
		},
		{
			name: "halt graceful libvirt", provider: "libvirt",
			do: func(ctx context.Context, p *Provider, l *lab.Lab) error {
				return p.Halt(ctx, l, []string{"web_1"}, false)
			},
			want: []string{"vagrant halt --machine-readable web_1"},
		},
		{
			name: "halt force virtualbox", provider: "virtualbox",
			do: func(ctx context.Context, p *Provider, l *lab.Lab) error {
				return p.Halt(ctx, l, []string{"web_2"}, true)
			},
			want: []string{"vagrant halt --force --machine-readable web_2"},
		},
		{
			name: "reload", provider: "virtualbox",
			do:   func(ctx context.Context, p *Provider, l *lab.Lab) error { return p.Reload(ctx, l, []string{"web_3"}) },
			want: []string{"vagrant reload --machine-readable web_3"},
		},
		{
			name: "reload libvirt", provider: "libvirt",
			do: func(ctx context.Context, p *Provider, l *lab.Lab) error {
				return p.Reload(ctx, l, []string{"web_1", "web_3"})
			},
			want:     []string{"vagrant reload --machine-readable web_1", "vagrant reload --machine-readable web_3"},
			unsorted: true,
		},
		{
			name: "destroy libvirt", provider: "libvirt",
			replies: map[string]reply{"status --machine-readable": {out: statusCreated("shutoff", "running", "not_created")}},
			do:      func(ctx context.Context, p *Provider, l *lab.Lab) error { return p.Destroy(ctx, l) },
			want:    []string{"vagrant status --machine-readable", "vagrant destroy -f --machine-readable web_1 web_2"},
		},
		{
			name: "status virtualbox", provider: "virtualbox",
			replies: map[string]reply{"status --machine-readable": {out: statusCreated("running", "poweroff", "saved")}},
			do: func(ctx context.Context, p *Provider, l *lab.Lab) error {
				_, err := p.Status(ctx, l)
				return err
			},
			want: []string{"vagrant status --machine-readable"},
		},
		{
			name: "ssh-config libvirt", provider: "libvirt",
			replies: map[string]reply{"ssh-config --machine-readable web_3": {out: sshConfigRecords("web_3", 2302)}},
			do: func(ctx context.Context, p *Provider, l *lab.Lab) error {
				_, err := p.SSHEndpoints(ctx, l, []string{"web_3"})
				return err
			},
			want: []string{"vagrant ssh-config --machine-readable web_3"},
		},
		{
			name: "destroy only what exists", provider: "virtualbox",
			replies: map[string]reply{"status --machine-readable": {out: statusCreated("running", "not_created", "poweroff")}},
			do:      func(ctx context.Context, p *Provider, l *lab.Lab) error { return p.Destroy(ctx, l) },
			want:    []string{"vagrant status --machine-readable", "vagrant destroy -f --machine-readable web_1 web_3"},
		},
		{
			name: "destroy with nothing created", provider: "libvirt",
			replies: map[string]reply{"status --machine-readable": {out: readTestdata(t, "status-libvirt-not-created.txt")}},
			do:      func(ctx context.Context, p *Provider, l *lab.Lab) error { return p.Destroy(ctx, l) },
			want:    []string{"vagrant status --machine-readable"},
		},
		{
			name: "status", provider: "libvirt",
			replies: map[string]reply{"status --machine-readable": {out: readTestdata(t, "status-libvirt-not-created.txt")}},
			do: func(ctx context.Context, p *Provider, l *lab.Lab) error {
				_, err := p.Status(ctx, l)
				return err
			},
			want: []string{"vagrant status --machine-readable"},
		},
		{
			name: "ssh-config once for all nodes, then cached", provider: "virtualbox",
			replies: map[string]reply{"ssh-config --machine-readable web_1 web_2": {out: sshConfigRecords("web_1", 2300) + sshConfigRecords("web_2", 2301)}},
			do: func(ctx context.Context, p *Provider, l *lab.Lab) error {
				if _, err := p.SSHEndpoints(ctx, l, []string{"web_1", "web_2"}); err != nil {
					return err
				}
				_, err := p.SSHEndpoints(ctx, l, []string{"web_2", "web_1"})
				return err
			},
			want: []string{"vagrant ssh-config --machine-readable web_1 web_2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{replies: tt.replies}
			p := newTestProvider(t, tt.provider, r)
			l := testLab(t, tt.provider, 3)
			if err := tt.do(context.Background(), p, l); err != nil {
				t.Fatal(err)
			}
			got := r.lines()
			want := tt.want
			if tt.unsorted && len(got) > 1 {
				if tt.first && got[0] != want[0] {
					t.Errorf("first command = %q, want %q", got[0], want[0])
				}
				got, want = sorted(got), sorted(want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("commands (-want +got):\n%s", diff)
			}
			for _, c := range r.cmds {
				if c.Dir != l.Paths.Dir {
					t.Errorf("%v ran in %q, want the lab dir %q", c.Args, c.Dir, l.Paths.Dir)
				}
				if diff := cmp.Diff([]string{"VAGRANT_DEFAULT_PROVIDER=" + tt.provider}, c.Env); diff != "" {
					t.Errorf("%v env (-want +got):\n%s", c.Args, diff)
				}
			}
		})
	}
}

// sshConfigRecords is what `vagrant ssh-config --machine-readable` prints
// for one machine, built from Vagrant 2.3.4's template output (see
// testdata/ssh-config-quoted-template.txt) escaped as Vagrant escapes it.
func sshConfigRecords(node string, port int) string {
	block := "Host " + node + "\n  HostName 127.0.0.1\n  User vagrant\n  Port " + strconv.Itoa(port) +
		"\n  UserKnownHostsFile /dev/null\n  StrictHostKeyChecking no\n  PasswordAuthentication no\n  IdentityFile /lab/.vagrant/machines/" +
		node + "/virtualbox/private_key\n  IdentitiesOnly yes\n  LogLevel FATAL\n"
	return "1," + node + ",metadata,provider,virtualbox\n1," + node + ",ssh-config," + strings.ReplaceAll(block, "\n", `\n`) + "\n" + block + "\n"
}
