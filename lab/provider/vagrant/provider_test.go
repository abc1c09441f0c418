package vagrant

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

func TestStatus(t *testing.T) {
	r := &recorder{replies: map[string]reply{"status --machine-readable": {out: readTestdata(t, "status-libvirt-not-created.txt")}}}
	p := newTestProvider(t, "libvirt", r)
	l := testLab(t, "libvirt", 4)
	got, err := p.Status(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	want := []lab.NodeStatus{
		{Node: "web_1", State: lab.StateNotCreated, Detail: "not_created"},
		{Node: "web_2", State: lab.StateNotCreated, Detail: "not_created"},
		{Node: "web_3", State: lab.StateNotCreated, Detail: "not_created"},
		{Node: "web_4", State: lab.StateUnknown, Detail: "not in the Vagrantfile: run lab init --force"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}
}

func TestSSHEndpoints(t *testing.T) {
	r := &recorder{replies: map[string]reply{"ssh-config --machine-readable web_2": {out: sshConfigRecords("web_2", 2301)}}}
	p := newTestProvider(t, "virtualbox", r)
	l := testLab(t, "virtualbox", 3)
	got, err := p.SSHEndpoints(context.Background(), l, []string{"web_2"})
	if err != nil {
		t.Fatal(err)
	}
	want := []lab.SSHEndpoint{{Node: "web_2", Host: "127.0.0.1", Port: 2301, User: "vagrant", IdentityFile: "/lab/.vagrant/machines/web_2/virtualbox/private_key"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("endpoints (-want +got):\n%s", diff)
	}
	// A reboot forgets the cached endpoint.
	if err := p.Reload(context.Background(), l, []string{"web_2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SSHEndpoints(context.Background(), l, []string{"web_2"}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(r.lines(), "\n"), "ssh-config"); n != 2 {
		t.Errorf("ssh-config ran %d times, want 2 (once before and once after the reload)", n)
	}
}

func TestUpProgress(t *testing.T) {
	// A machine-readable up stream with the lines Vagrant's
	// WaitForCommunicator prints (its en.yml boot_waiting and
	// boot_completed): web_2 passes each phase as Vagrant says so; web_3,
	// already running, says nothing and passes both when its command ends.
	stream := "1,web_2,action,up,start\n" +
		"1,web_2,ui,info,==> web_2: Booting VM...\n" +
		"1,web_2,ui,output,==> web_2: Waiting for machine to boot. This may take a few minutes...\n" +
		"1,web_2,ui,detail,    web_2: SSH address: 127.0.0.1:2301\n" +
		"1,web_2,ui,info,==> web_2: Machine booted and ready!\n" +
		"1,web_2,action,up,end\n" +
		"1,web_3,ui,info,==> web_3: The domain is already created.\n"
	r := &recorder{replies: map[string]reply{"up --parallel --provider=libvirt --machine-readable web_2 web_3": {out: stream}}}
	p := newTestProvider(t, "libvirt", r)
	l := testLab(t, "libvirt", 3)
	var mu sync.Mutex
	var got []string
	progress := func(node string, ph lab.Phase) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, node+" "+string(ph))
	}
	if err := p.Up(context.Background(), l, []string{"web_1", "web_2", "web_3"}, lab.UpOptions{Parallel: 2, Progress: progress}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"web_1 booted", "web_1 sshd reachable",
		"web_2 booted", "web_2 sshd reachable",
		"web_3 booted", "web_3 sshd reachable",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}

func TestUpStopsWhenFirstNodeFails(t *testing.T) {
	r := &recorder{replies: map[string]reply{
		"up --provider=virtualbox --machine-readable web_1": {out: readTestdata(t, "up-virtualbox-no-vboxmanage.txt"), fail: true},
	}}
	p := newTestProvider(t, "virtualbox", r)
	l := testLab(t, "virtualbox", 3)
	err := p.Up(context.Background(), l, []string{"web_1", "web_2", "web_3"}, lab.UpOptions{Parallel: 3})
	var ve *Error
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want *Error", err)
	}
	if len(r.lines()) != 1 {
		t.Errorf("ran %v, want only the first node's up", r.lines())
	}
	for _, want := range []string{"vagrant up --provider=virtualbox web_1 failed", "Vagrant could not detect VirtualBox!", "binary that ships with VirtualBox, and requires", "hint: install VirtualBox"} {
		if !strings.Contains(hint.Text(err), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestUpJoinsNodeErrors(t *testing.T) {
	fail := reply{out: readTestdata(t, "up-hostonly-range.txt"), fail: true}
	r := &recorder{replies: map[string]reply{
		"up --provider=virtualbox --machine-readable web_2": fail,
		"up --provider=virtualbox --machine-readable web_3": fail,
	}}
	p := newTestProvider(t, "virtualbox", r)
	l := testLab(t, "virtualbox", 3)
	err := p.Up(context.Background(), l, []string{"web_1", "web_2", "web_3"}, lab.UpOptions{Parallel: 2})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"vagrant up --provider=virtualbox web_2 failed", "vagrant up --provider=virtualbox web_3 failed", "Address: 192.168.50.4", `"* 192.168.50.0/24"`} {
		if !strings.Contains(hint.Text(err), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestCancelledUpStartsNothingMore(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := &recorder{}
	p := newTestProvider(t, "virtualbox", r)
	l := testLab(t, "virtualbox", 3)
	err := p.Up(ctx, l, []string{"web_1", "web_2", "web_3"}, lab.UpOptions{Parallel: 2})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(r.lines()) > 1 {
		t.Errorf("ran %v after cancel", r.lines())
	}
}

func TestNoVagrantfile(t *testing.T) {
	p := newTestProvider(t, "virtualbox", &recorder{})
	l := lab.New(t.TempDir(), lab.DefaultSpec())
	_, err := p.Status(context.Background(), l)
	if err == nil || !strings.Contains(hint.Text(err), "hint: run lab init") {
		t.Errorf("err = %v, want a hint to run lab init", err)
	}
	if err := p.Destroy(context.Background(), l); err != nil {
		t.Errorf("destroy with no Vagrantfile: %v", err)
	}
}

func TestNewRejectsOtherProviders(t *testing.T) {
	if _, err := New(Options{Provider: "netns"}); err == nil || !strings.Contains(hint.Text(err), "hint:") {
		t.Errorf("err = %v", err)
	}
}

func TestForEachBoundsAndInterrupts(t *testing.T) {
	nodes := []string{"a", "b", "c", "d", "e", "f"}
	var mu sync.Mutex
	running, most := 0, 0
	err := forEach(context.Background(), nodes, 2, func(ctx context.Context, n string) error {
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		defer func() { mu.Lock(); running--; mu.Unlock() }()
		if n == "c" {
			return errors.New("c broke")
		}
		return nil
	})
	if err == nil || hint.Text(err) != "c broke" {
		t.Errorf("err = %v, want only c's error", err)
	}
	if most > 2 {
		t.Errorf("%d ran at once, want at most 2", most)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var started []string
	err = forEach(ctx, nodes, 1, func(ctx context.Context, n string) error {
		started = append(started, n)
		if n == "b" {
			cancel()
			return ctx.Err()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || strings.Count(hint.Text(err), "canceled") != 1 {
		t.Errorf("err = %v, want one interruption", err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, started); diff != "" {
		t.Errorf("started (-want +got):\n%s", diff)
	}
}

func TestStatusNamesAnotherProvider(t *testing.T) {
	// The recorded two-machine VirtualBox output, machines renamed to the
	// lab's, read by the libvirt provider.
	out := strings.NewReplacer(",one,", ",web_1,", ",two,", ",web_2,").Replace(readTestdata(t, "status-virtualbox-running.txt"))
	r := &recorder{replies: map[string]reply{"status --machine-readable": {out: out}}}
	p := newTestProvider(t, "libvirt", r)
	got, err := p.Status(context.Background(), testLab(t, "libvirt", 2))
	if err != nil {
		t.Fatal(err)
	}
	want := []lab.NodeStatus{
		{Node: "web_1", State: lab.StateRunning, Detail: "running (under virtualbox, not libvirt)"},
		{Node: "web_2", State: lab.StateRunning, Detail: "running (under virtualbox, not libvirt)"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}
}
