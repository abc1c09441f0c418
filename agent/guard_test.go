package agent

import (
	"net"
	"strings"
	"testing"

	"github.com/gossiplab/gossiplab/internal/hint"
)

func loopbackName(t *testing.T) string {
	ifs, err := net.Interfaces()
	if err != nil {
		t.Skip(err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 {
			return i.Name
		}
	}
	t.Skip("no loopback interface")
	return ""
}

func TestResolveAddrs(t *testing.T) {
	lo := loopbackName(t)
	tests := []struct {
		name              string
		cfg               Config
		wantBind, wantAdv string
		wantErr           string
	}{
		{name: "defaults", cfg: Config{}, wantBind: "0.0.0.0", wantAdv: ""},
		{name: "bind only", cfg: Config{BindAddr: "127.0.0.5"}, wantBind: "127.0.0.5", wantAdv: ""},
		{name: "iface picks its IPv4", cfg: Config{Interface: lo}, wantBind: "127.0.0.1", wantAdv: "127.0.0.1"},
		{name: "iface with explicit advertise", cfg: Config{Interface: lo, AdvertiseAddr: "127.0.0.9"}, wantBind: "127.0.0.1", wantAdv: "127.0.0.9"},
		{name: "unknown iface", cfg: Config{Interface: "nosuch0"}, wantErr: "hint: list interfaces"},
		{name: "bad bind", cfg: Config{BindAddr: "web"}, wantErr: "not an IP address"},
		{name: "bad advertise", cfg: Config{AdvertiseAddr: "web"}, wantErr: "hint: use -advertise"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bind, adv, err := resolveAddrs(&tc.cfg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(hint.Text(err), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if bind != tc.wantBind || adv != tc.wantAdv {
				t.Errorf("got bind %q adv %q, want %q %q", bind, adv, tc.wantBind, tc.wantAdv)
			}
		})
	}
}

func TestWatchMemberlistLine(t *testing.T) {
	cfg := DefaultConfig()
	cfg.NodeName = "self"
	a, err := Create(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"Got ping for unexpected node 'vm2' from=10.0.2.15:7946",
		"Got ping for unexpected node",
		"Suspect vm3 has failed, no acks received",
		"Decrypt packet failed: no installed keys could decrypt the message from=1.2.3.4:7946",
	} {
		a.watchMemberlistLine(line)
	}
	got := strings.Join(a.Problems(), "\n")
	for _, want := range []string{"unexpected-ping:vm2", "-iface eth1", "encryption:", "labagent keygen"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	es := a.Journal().Snapshot()
	if len(es) != 1 || es[0].Type != EntryMemberSuspect || es[0].Node != "vm3" {
		t.Errorf("journal = %+v, want one member-suspect of vm3", es)
	}
}
