package command

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	goversion "github.com/hashicorp/go-version"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/agenttest"
	"github.com/gossiplab/gossiplab/agent/rpc"
	"github.com/gossiplab/gossiplab/internal/buildinfo"
)

// run runs labagent with args and returns exit status, stdout, stderr.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(t.Context(), args, Streams{In: strings.NewReader(""), Out: &out, Err: &errb}, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func TestAgentFlagsAndConfigLayers(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "agent.json")
	if err := os.WriteFile(file, []byte(`{"node_name":"from-file","bind":"127.0.0.9:7950","tags":{"role":"db"},"join":["127.0.0.8"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want func(c *agent.Config) string
	}{
		{name: "single dash equals", args: []string{"-node=host1"}, want: func(c *agent.Config) string { return c.NodeName }},
		{name: "double dash space", args: []string{"--node", "host1"}, want: func(c *agent.Config) string { return c.NodeName }},
		{name: "flags override file", args: []string{"-config-file", file, "-node", "host1"}, want: func(c *agent.Config) string { return c.NodeName }},
		{name: "file only", args: []string{"-config-file", file}, want: func(c *agent.Config) string {
			return fmt.Sprintf("%s %s:%d %v %v", c.NodeName, c.BindAddr, c.BindPort, c.Tags, c.StartJoin)
		}},
		{name: "repeatable and comma joins", args: []string{"-node=x", "-join", "a,b", "-join", "c", "-tag", "k=v", "-tag", "k2=v2"}, want: func(c *agent.Config) string {
			return fmt.Sprintf("%v %v", c.StartJoin, c.Tags)
		}},
		{name: "leave on terminate off", args: []string{"-node=x", "-leave-on-terminate=false", "-rejoin"}, want: func(c *agent.Config) string {
			return fmt.Sprintf("%t %t", c.LeaveOnTerminate, c.RejoinAfterLeave)
		}},
	}
	wants := map[string]string{
		"single dash equals":         "host1",
		"double dash space":          "host1",
		"flags override file":        "host1",
		"file only":                  "from-file 127.0.0.9:7950 map[role:db] [127.0.0.8]",
		"repeatable and comma joins": "[a b c] map[k:v k2:v2]",
		"leave on terminate off":     "false true",
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f agentFlags
			fs := newFlagSet("agent", "agent", Streams{Err: &bytes.Buffer{}})
			f.register(fs)
			if err := parse(fs, tc.args); err != nil {
				t.Fatal(err)
			}
			cfg, err := f.buildConfig()
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.want(cfg); got != wants[tc.name] {
				t.Errorf("got %q, want %q", got, wants[tc.name])
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{name: "no command", args: nil, code: 2, want: "usage: labagent"},
		{name: "unknown command", args: []string{"explode"}, code: 2, want: "hint:"},
		{name: "unknown flag", args: []string{"members", "-bogus"}, code: 2, want: "bogus"},
		{name: "bad format", args: []string{"members", "-format", "xml"}, code: 2, want: "hint:"},
		{name: "unknown config key", args: []string{"agent", "-config-file", "testdata/unknown-key.json"}, code: 1, want: `unknown field "nodename"`},
		{name: "join without address", args: []string{"join"}, code: 2, want: "hint:"},
		{name: "agent not running", args: []string{"members", "-rpc-addr", "127.0.0.1:1"}, code: 1, want: "hint: is `labagent agent` running?"},
		{name: "help", args: []string{"members", "-h"}, code: 0, want: "-rpc-addr"},
		{name: "join flag after address", args: []string{"join", "127.0.0.1", "-rpc-addr", "127.0.0.1:1"}, code: 2, want: "hint: put flags before the arguments"},
		{name: "force-leave flag after node", args: []string{"force-leave", "web_2", "--rpc-addr=127.0.0.1:1"}, code: 2, want: "flag --rpc-addr=127.0.0.1:1 after the arguments"},
		{name: "event flag after name", args: []string{"event", "deploy", "-coalesce=false"}, code: 2, want: "hint: put flags before the arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, nil, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tc.code, tc.want)
			}
		})
	}
}

// TestClientTimeout: a client facing an agent that accepts connections
// but never answers gives up after -timeout and says so.
func TestClientTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c); _ = c.Close() }()
		}
	}()
	addr := ln.Addr().String()
	for _, args := range [][]string{
		{"members", "-rpc-addr", addr, "-timeout", "200ms"},
		{"members", "-rpc-addr", addr, "-timeout", "200ms", "-rpc-token", "s3cret"},
		{"journal", "-follow", "-rpc-addr", addr, "-timeout", "200ms", "-rpc-token", "s3cret"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, errOut := run(t, nil, args...)
			want := "no answer from the agent at " + addr + " within 200ms"
			if code != 1 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "hint:") {
				t.Errorf("exit %d, stderr %q; want exit 1 and %q with a hint", code, errOut, want)
			}
		})
	}
}

// TestVersionParses: the first line is "labagent vVERSION", the second
// "protocol N", both parse with go-version (provisioning reads the
// first); the build's lines follow. -format json says the same.
func TestVersionParses(t *testing.T) {
	code, out, errOut := run(t, nil, "version")
	want := buildinfo.Read().Text("labagent", fmt.Sprintf("protocol %d", agent.ProtocolVersion))
	if code != 0 || out != want {
		t.Fatalf("version: exit %d, output %q (stderr %q), want %q", code, out, errOut, want)
	}
	lines := strings.Split(out, "\n")
	fields := strings.Fields(lines[0])
	v, err := goversion.NewVersion(fields[1])
	if len(fields) != 2 || fields[0] != "labagent" || err != nil || v.String() != agent.Version() {
		t.Errorf("first line %q does not parse as labagent v%s: %v", lines[0], agent.Version(), err)
	}
	if _, err := goversion.NewVersion(strings.Fields(lines[1])[1]); err != nil {
		t.Errorf("protocol line %q: %v", lines[1], err)
	}
	_, out, _ = run(t, nil, "version", "-format", "json")
	var vi VersionInfo
	if err := json.Unmarshal([]byte(out), &vi); err != nil {
		t.Fatalf("json version %q: %v", out, err)
	}
	wantJSON := VersionInfo{Info: buildinfo.Read(), Protocol: agent.ProtocolVersion}
	if diff := cmp.Diff(wantJSON, vi); diff != "" {
		t.Errorf("version -format json (-want +got):\n%s", diff)
	}
}

// TestClientCommands drives an in-process agent through the commands.
func TestClientCommands(t *testing.T) {
	subnet := agenttest.SubnetFor(t.Name())
	c := agenttest.NewCluster(t, t.Context(), 3, agenttest.Options{Subnet: subnet, Prefix: "web_", Configure: func(i int, cfg *agent.Config) {
		cfg.Tags = map[string]string{"role": "web"}
		if i == 1 {
			cfg.Tags = nil
		}
		if i == 2 {
			cfg.Tags = map[string]string{"role": "db", "zone": "b"}
		}
		if i == 0 {
			cfg.RPCAddr = agenttest.Addr(subnet, 0).String() + ":0"
			cfg.RPCToken = "tok"
		}
	}})
	c.WaitConverged(t, 20*time.Second)
	env := map[string]string{"LABAGENT_RPC_ADDR": c.Agents[0].Info().RPCAddr, "LABAGENT_RPC_TOKEN": "tok"}

	// version: this binary's; with -rpc-addr given, the agent's too.
	rpcAddr := env["LABAGENT_RPC_ADDR"]
	own := buildinfo.Read().Text("labagent", fmt.Sprintf("protocol %d", agent.ProtocolVersion))
	if code, out, errOut := run(t, env, "version"); code != 0 || out != own {
		t.Errorf("version (env only): exit %d, %q %q; want this binary's own lines only", code, out, errOut)
	}
	wantAgent := fmt.Sprintf("agent %s: v%s, protocol %d\n", rpcAddr, agent.Version(), agent.ProtocolVersion)
	if code, out, errOut := run(t, env, "version", "-rpc-addr", rpcAddr); code != 0 || !strings.HasSuffix(out, wantAgent) {
		t.Errorf("version -rpc-addr: exit %d, %q %q; want it to end with %q", code, out, errOut, wantAgent)
	}
	if code, _, errOut := run(t, nil, "version", "-rpc-addr", rpcAddr); code == 0 || !strings.Contains(errOut, "token") {
		t.Errorf("version -rpc-addr without the token: exit %d, %q; want refused", code, errOut)
	}

	_, out, errOut := run(t, env, "members")
	a := func(i int) string { return c.Agents[i].Addr().String() }
	pad := func(s string, n int) string { return s + strings.Repeat(" ", n-len(s)) }
	w := len(a(0))
	for i := 1; i < 3; i++ {
		w = max(w, len(a(i)))
	}
	want := fmt.Sprintf("web_0  %s  alive  role=web\nweb_1  %s  alive\nweb_2  %s  alive  role=db,zone=b\n", pad(a(0), w), pad(a(1), w), pad(a(2), w))
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("members text (-want +got):\n%s\nstderr: %s", diff, errOut)
	}

	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{name: "tag filter", args: []string{"members", "-format", "json", "-tag", "role=d.*"}, want: []string{"web_2"}},
		{name: "name filter", args: []string{"members", "-format", "json", "-name", "_[01]$"}, want: []string{"web_0", "web_1"}},
		{name: "tag filter needs the tag", args: []string{"members", "-format", "json", "-tag", "role=.*"}, want: []string{"web_0", "web_2"}},
		{name: "status filter", args: []string{"members", "-format", "json", "-status", "failed"}, want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, env, tc.args...)
			var res rpc.MembersResult
			if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 {
				t.Fatalf("exit %d, %v: %s %s", code, err, out, errOut)
			}
			var got []string
			for _, m := range res.Members {
				got = append(got, m.Name)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	if code, out, errOut := run(t, env, "event", "deploy", "v1"); code != 0 || !strings.Contains(out, "dispatched") {
		t.Errorf("event: %d %q %q", code, out, errOut)
	}
	agenttest.WaitFor(t, 10*time.Second, func() (bool, string) {
		_, out, _ := run(t, env, "journal", "-format", "json")
		return strings.Contains(out, `"type":"user","node":"web_0"`), "journal: " + out
	})
	if code, out, _ := run(t, env, "fault", "-loss", "0.2", "-partition", "web_2"); code != 0 || out != "fault: loss=0.2 partition=web_2\n" {
		t.Errorf("fault: %d %q", code, out)
	}
	if _, out, _ := run(t, env, "info"); !strings.Contains(out, "fault: loss=0.2 partition=web_2\n") || !strings.Contains(out, "problems: none") || !strings.Contains(out, "\nhealth score: ") {
		t.Errorf("info:\n%s", out)
	}
	// A name that is no member (a typo) is set, but said.
	if code, out, errOut := run(t, env, "fault", "-partition", "web_2,web_9"); code != 0 || out != "fault: loss=0.2 partition=web_2,web_9\n" ||
		!strings.Contains(errOut, `"web_9" is not a member`) || strings.Contains(errOut, `"web_2"`) {
		t.Errorf("fault with an unknown name: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := run(t, env, "fault", "-partition", "web_2"); code != 0 || errOut != "" {
		t.Errorf("fault: %d %q", code, errOut)
	}
	if code, out, _ := run(t, env, "fault", "-clear"); code != 0 || out != "fault: none\n" {
		t.Errorf("fault -clear: %d %q", code, out)
	}
	if code, out, _ := run(t, env, "tags", "-set", "v=2", "-delete", "role"); code != 0 || out != "v=2\n" {
		t.Errorf("tags: %d %q", code, out)
	}
	if code, _, errOut := run(t, env, "keys", "-list"); code != 1 || !strings.Contains(errOut, "not enabled") {
		t.Errorf("keys on an unencrypted agent: %d %q", code, errOut)
	}
	bad := map[string]string{"LABAGENT_RPC_ADDR": env["LABAGENT_RPC_ADDR"], "LABAGENT_RPC_TOKEN": "wrong"}
	if code, _, errOut := run(t, bad, "members"); code != 1 || !strings.Contains(errOut, "token") {
		t.Errorf("wrong token: %d %q", code, errOut)
	}

	// monitor streams log lines until interrupted.
	ctx, cancel := context.WithCancel(t.Context())
	var mon lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"monitor", "-log-level", "debug"}, Streams{Out: &mon, Err: &bytes.Buffer{}}, func(k string) string { return env[k] })
	}()
	agenttest.WaitFor(t, 10*time.Second, func() (bool, string) {
		_ = c.Agents[0].SetFault(agent.Fault{Delay: time.Millisecond})
		return strings.Contains(mon.String(), "fault injection set"), "monitor saw: " + mon.String()
	})
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("monitor exit %d", code)
	}
}

func TestWriteInfoHealthScore(t *testing.T) {
	for _, tt := range []struct {
		score int
		want  string
	}{
		{0, "health score: 0 (healthy)\n"},
		{2, "health score: 2 (slow to answer probes: probes and timeouts stretched 3x)\n"},
	} {
		var b strings.Builder
		writeInfo(&b, rpc.Info{HealthScore: tt.score})
		if !strings.Contains(b.String(), tt.want) {
			t.Errorf("score %d: info lacks %q:\n%s", tt.score, tt.want, b.String())
		}
	}
}
