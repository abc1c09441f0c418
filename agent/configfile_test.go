package agent

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/hint"
)

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigLayers(t *testing.T) {
	dir := t.TempDir()
	key, _ := GenerateKey()
	file := writeFile(t, dir, "main.json", `{
		"node_name": "web_1", "bind": "192.168.56.11", "advertise": "192.168.56.11:7947",
		"join": ["192.168.56.12"], "retry_join": ["192.168.56.13"], "retry_interval": "5s",
		"retry_max_attempts": 3, "tags": {"role": "web"}, "encrypt_key": "`+key+`",
		"event_handlers": ["member-join=/bin/true"], "rpc_addr": "127.0.0.1:7374", "rpc_auth": "tok",
		"snapshot_path": "/var/lib/labagent/snap.json", "rejoin_after_leave": true, "profile": "wan",
		"leave_on_terminate": false, "reconnect_timeout": "1h", "log_level": "debug", "journal_size": 100
	}`)
	cdir := filepath.Join(dir, "conf.d")
	_ = os.Mkdir(cdir, 0o755)
	writeFile(t, cdir, "b.json", `{"tags": {"zone": "b"}, "journal_size": 300}`)
	writeFile(t, cdir, "a.json", `{"journal_size": 200, "join": ["192.168.56.14"]}`)
	writeFile(t, cdir, "ignored.txt", `not json`)

	c := DefaultConfig()
	f, err := LoadConfigFile(file)
	if err != nil {
		t.Fatal(err)
	}
	layers := []*FileConfig{f}
	more, err := LoadConfigDir(cdir)
	if err != nil {
		t.Fatal(err)
	}
	layers = append(layers, more...)
	name := "web_9"
	layers = append(layers, &FileConfig{NodeName: &name}) // flags come last
	for _, l := range layers {
		if err := l.Apply(c); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]any{
		"node": c.NodeName, "bind": c.BindAddr, "port": c.BindPort, "adv": c.AdvertiseAddr, "advport": c.AdvertisePort,
		"join": c.StartJoin, "retry": c.RetryJoin, "retryint": c.RetryInterval, "tags": c.Tags, "keylen": len(c.EncryptKey),
		"rpc": c.RPCAddr, "token": c.RPCToken, "profile": c.Profile, "lot": c.LeaveOnTerminate, "journal": c.JournalSize,
		"reconnect": c.ReconnectTimeout, "rejoin": c.RejoinAfterLeave, "handlers": c.EventHandlers,
	}
	want := map[string]any{
		"node": "web_9", "bind": "192.168.56.11", "port": 7946, "adv": "192.168.56.11", "advport": 7947,
		"join": []string{"192.168.56.12", "192.168.56.14"}, "retry": []string{"192.168.56.13"}, "retryint": 5 * time.Second,
		"tags": map[string]string{"role": "web", "zone": "b"}, "keylen": 32, "rpc": "127.0.0.1:7374", "token": "tok",
		"profile": "wan", "lot": false, "journal": 300, "reconnect": time.Hour, "rejoin": true,
		"handlers": []string{"member-join=/bin/true"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("layered config (-want +got):\n%s", diff)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, text, want string
	}{
		{name: "unknown key", text: `{"node": "x"}`, want: `unknown field "node"`},
		{name: "bad duration", text: `{"retry_interval": "soon"}`, want: "bad duration"},
		{name: "wrong type", text: `{"join": "10.0.0.1"}`, want: "cannot unmarshal"},
		{name: "two objects", text: `{} {}`, want: "more than one"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfigFile(writeFile(t, dir, "c.json", tc.text))
			if err == nil || !strings.Contains(hint.Text(err), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	bad := "not-an-ip"
	if err := (&FileConfig{Bind: &bad}).Apply(DefaultConfig()); err == nil || !strings.Contains(hint.Text(err), "hint:") {
		t.Errorf("bad bind: %v", err)
	}
}

// TestConfigKeysDocumented: the package doc lists every JSON key, and
// its example loads.
func TestConfigKeysDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeFor[FileConfig]()
	for i := range typ.NumField() {
		key, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if !strings.Contains(string(doc), "//\t"+key+" ") {
			t.Errorf("config key %q is not documented in doc.go", key)
		}
	}
	f, err := LoadConfigFile("testdata/example.json")
	if err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	if err := f.Apply(c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestConfigValidateBounds(t *testing.T) {
	tests := []struct {
		name string
		set  func(c *Config)
		want string
	}{
		{name: "journal too small", set: func(c *Config) { c.JournalSize = 0 }, want: "journal size 0 must be"},
		{name: "journal too large to allocate", set: func(c *Config) { c.JournalSize = 99999999999 }, want: "hint:"},
		{name: "largest journal", set: func(c *Config) { c.JournalSize = MaxJournalSize }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			c.NodeName = "web_1"
			tc.set(c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Errorf("err = %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(hint.Text(err), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
